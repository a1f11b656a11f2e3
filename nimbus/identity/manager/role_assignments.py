"""``GET /v3/role_assignments``: direct assignments, or the effective view Keystone computes.

The effective view is what tokens see: group assignments become their members' assignments,
inherited ones land on the projects below their target, implied roles are added, and
domain-specific roles disappear (they only ever imply other roles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest
from nimbus.identity.constants import SYSTEM
from nimbus.identity.db import projects, users
from nimbus.identity.manager.assignment import AssignmentManager, Grant


@dataclass
class Query:
    user_id: str | None = None
    group_id: str | None = None
    role_id: str | None = None
    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    inherited: bool = False
    effective: bool = False
    include_subtree: bool = False
    # Targets the caller may see (a domain reader's own domain); None means all.
    visible_targets: set[str] | None = None


@dataclass(frozen=True)
class Entry:
    """One row of the answer; ``source`` is the stored assignment it comes from."""

    grant: Grant
    source: Grant
    via_group: str | None = None
    prior_role: str | None = None


@dataclass
class _Tree:
    domain_of: dict[str, str] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def below(self, node: str) -> list[str]:
        out, todo = [], list(self.children.get(node, []))
        while todo:
            child = todo.pop()
            out.append(child)
            todo.extend(self.children.get(child, []))
        return out


def check(q: Query) -> None:
    """Keystone's rules on which filters may be combined."""
    if q.include_subtree and not q.project_id:
        raise BadRequest("scope.project.id needs to be specified if include_subtree is also "
                         "specified.")
    if sum(bool(x) for x in (q.project_id, q.domain_id, q.system)) > 1:
        raise BadRequest("Specify at most one of scope.project.id, scope.domain.id and "
                         "scope.system.")
    if q.effective and q.group_id:
        raise BadRequest("Combining effective and group filter will always result in an empty "
                         "list.")
    if q.effective and q.inherited and q.domain_id:
        raise BadRequest("Combining effective, domain and inherited filters will always "
                         "result in an empty list.")


class RoleAssignmentManager:
    def __init__(self, db: Database, assignment: AssignmentManager) -> None:
        self.db = db
        self.assignment = assignment

    def _tree(self) -> _Tree:
        tree = _Tree()
        with self.db.reader() as s:
            rows = projects.project_rows(s)
        for project_id, domain_id, parent_id in rows:
            tree.domain_of[project_id] = domain_id
            parent = parent_id if parent_id != domain_id else None
            tree.children.setdefault(parent or f"domain:{domain_id}", []).append(project_id)
        return tree

    def _members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        with self.db.reader() as s:
            for group_id, user_id in users.memberships(s):
                members.setdefault(group_id, []).append(user_id)
        return members

    def _effective(self, grants: list[Grant], tree: _Tree) -> list[Entry]:
        members = self._members()
        entries: list[Entry] = []
        for g in grants:
            actors = [(g.actor_id, None)] if g.is_user else [
                (user, g.actor_id) for user in members.get(g.actor_id, [])]
            kind = g.target_kind
            if g.inherited:
                root = f"domain:{g.target_id}" if kind == "domain" else g.target_id
                targets = [("Project", p) for p in tree.below(root)]
            else:
                targets = [(kind.capitalize(), g.target_id)]
            for user_id, via in actors:
                for target_kind, target_id in targets:
                    entries.append(Entry(Grant("User" + target_kind, user_id, target_id,
                                               g.role_id), g, via))
        rules: dict[str, set[str]] = {}
        for prior, implied in self.assignment.list_implied():
            rules.setdefault(prior, set()).add(implied)
        out: list[Entry] = []
        for entry in entries:
            out.append(entry)
            seen, todo = {entry.grant.role_id}, [entry.grant.role_id]
            while todo:
                prior = todo.pop()
                for implied in sorted(rules.get(prior, ())):
                    if implied in seen:
                        continue
                    seen.add(implied)
                    todo.append(implied)
                    grant = Grant(entry.grant.type, entry.grant.actor_id, entry.grant.target_id,
                                  implied)
                    out.append(Entry(grant, entry.source, entry.via_group, prior))
        domain_roles = self.assignment.domain_role_ids()
        return [e for e in out if e.grant.role_id not in domain_roles]

    def list(self, q: Query) -> list[Entry]:
        check(q)
        grants = self.assignment.list_grants()
        tree = self._tree() if q.effective or q.include_subtree or q.visible_targets \
            else _Tree()
        entries = self._effective(grants, tree) if q.effective else [Entry(g, g) for g in grants]
        in_projects: set[str] | None = None
        if q.project_id:
            in_projects = {q.project_id}
            if q.include_subtree:
                in_projects.update(tree.below(q.project_id))
        return [e for e in entries if _matches(e, q, tree, in_projects)]


def _matches(e: Entry, q: Query, tree: _Tree, in_projects: set[str] | None) -> bool:
    g = e.grant
    if q.user_id and not (g.is_user and g.actor_id == q.user_id):
        return False
    if q.group_id and not (not g.is_user and g.actor_id == q.group_id):
        return False
    if q.role_id and g.role_id != q.role_id:
        return False
    if in_projects is not None and not (g.target_kind == "project"
                                        and g.target_id in in_projects):
        return False
    if q.domain_id and not (g.target_kind == "domain" and g.target_id == q.domain_id):
        return False
    if q.system and g.target_id != SYSTEM:
        return False
    if q.inherited and not g.inherited:
        return False
    return not (q.visible_targets is not None and g.target_id not in q.visible_targets
                and tree.domain_of.get(g.target_id) not in q.visible_targets)
