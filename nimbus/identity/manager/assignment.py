"""Roles, implied roles and role assignments, and the effective roles a token carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.identity.constants import (
    GLOBAL,
    GROUP_DOMAIN,
    GROUP_SYSTEM,
    PROHIBITED_IMPLIED,
    SYSTEM,
    USER_DOMAIN,
    USER_SYSTEM,
)
from nimbus.identity.db import assignments as q
from nimbus.identity.db import projects
from nimbus.identity.db.models import Assignment, ImpliedRole, Project, Role


@dataclass(frozen=True)
class Grant:
    type: str
    actor_id: str
    target_id: str
    role_id: str
    inherited: bool = False

    @property
    def is_user(self) -> bool:
        return self.type.startswith("User")

    @property
    def target_kind(self) -> str:
        return self.type[4:].lower() if self.is_user else self.type[5:].lower()


def grant_type(actor: str, target: str) -> str:
    return ("User" if actor == "user" else "Group") + target.capitalize()


class AssignmentManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- roles ------------------------------------------------------------------------------
    @retry_on_lock()
    def create_role(self, name: str, domain_id: str | None = None, description: str | None = None,
                    role_id: str | None = None, options: dict[str, Any] | None = None) -> Role:
        if not name or len(name) > 255:
            raise BadRequest("Invalid input for field 'name': must be 1 to 255 characters.")
        with self.db.writer() as s:
            if q.role_by_name(s, name, domain_id or GLOBAL):
                raise Conflict(resource="role", reason=f"Duplicate entry found with name {name}")
            role = Role(name=name, domain_id=domain_id or GLOBAL, description=description,
                        options=options or {})
            if role_id:
                role.id = role_id
            s.add(role)
        return role

    def get_role(self, role_id: str) -> Role:
        with self.db.reader() as s:
            row = s.get(Role, role_id)
        if row is None:
            raise NotFound(resource="role", id=role_id)
        return row

    def get_role_by_name(self, name: str, domain_id: str | None = None) -> Role:
        with self.db.reader() as s:
            row = q.role_by_name(s, name, domain_id or GLOBAL)
        if row is None:
            raise NotFound(resource="role", id=name)
        return row

    def list_roles(self, name: str | None = None, domain_id: str | None = None) -> list[Role]:
        with self.db.reader() as s:
            return q.list_roles(s, domain_id or GLOBAL, name)

    @retry_on_lock()
    def update_role(self, role_id: str, changes: dict[str, Any]) -> Role:
        with self.db.writer() as s:
            role = s.get(Role, role_id)
            if role is None:
                raise NotFound(resource="role", id=role_id)
            if (role.options or {}).get("immutable") and set(changes) - {"options"}:
                raise Forbidden(f"Role {role_id} is immutable.")
            if "domain_id" in changes and (changes["domain_id"] or GLOBAL) != role.domain_id:
                raise BadRequest("Update of `domain_id` is not allowed.")
            if "name" in changes and changes["name"] != role.name and q.role_by_name(
                    s, changes["name"], role.domain_id):
                raise Conflict(resource="role",
                               reason=f"Duplicate entry found with name {changes['name']}")
            for key in ("name", "description", "options"):
                if key in changes:
                    setattr(role, key, changes[key])
        return role

    @retry_on_lock()
    def delete_role(self, role_id: str) -> None:
        with self.db.writer() as s:
            role = s.get(Role, role_id)
            if role is None:
                raise NotFound(resource="role", id=role_id)
            if (role.options or {}).get("immutable"):
                raise Forbidden(f"Role {role_id} is immutable.")
            q.delete_role(s, role)

    # -- implied roles ----------------------------------------------------------------------
    @retry_on_lock()
    def create_implied(self, prior: str, implied: str) -> None:
        prior_role = self.get_role(prior)
        implied_role = self.get_role(implied)
        if implied_role.name in PROHIBITED_IMPLIED:
            raise Forbidden(f"{implied_role.name} role cannot be an implied role.")
        if prior_role.domain_id == GLOBAL and implied_role.domain_id != GLOBAL:
            raise Forbidden("A global role cannot imply a domain-specific role.")
        with self.db.writer() as s:
            if s.get(ImpliedRole, (prior, implied)) is None:
                s.add(ImpliedRole(prior_role_id=prior, implied_role_id=implied))

    def get_implied(self, prior: str, implied: str) -> None:
        with self.db.reader() as s:
            if s.get(ImpliedRole, (prior, implied)) is None:
                raise NotFound(f"{prior} does not imply {implied}.")

    @retry_on_lock()
    def delete_implied(self, prior: str, implied: str) -> None:
        with self.db.writer() as s:
            row = s.get(ImpliedRole, (prior, implied))
            if row is None:
                raise NotFound(f"{prior} does not imply {implied}.")
            s.delete(row)

    def list_implied(self, prior: str | None = None) -> list[tuple[str, str]]:
        with self.db.reader() as s:
            return q.implied_pairs(s, prior)

    def expand(self, role_ids: set[str]) -> set[str]:
        """``role_ids`` plus everything they imply, transitively."""
        rules: dict[str, set[str]] = {}
        for prior, implied in self.list_implied():
            rules.setdefault(prior, set()).add(implied)
        result, todo = set(role_ids), list(role_ids)
        while todo:
            for implied in rules.get(todo.pop(), ()):
                if implied not in result:
                    result.add(implied)
                    todo.append(implied)
        return result

    # -- grants -----------------------------------------------------------------------------
    @retry_on_lock()
    def grant(self, g: Grant) -> None:
        self.get_role(g.role_id)
        with self.db.writer() as s:
            key = (g.type, g.actor_id, g.target_id, g.role_id, g.inherited)
            if s.get(Assignment, key) is None:
                s.add(Assignment(type=g.type, actor_id=g.actor_id, target_id=g.target_id,
                                 role_id=g.role_id, inherited=g.inherited))

    def check(self, g: Grant) -> bool:
        with self.db.reader() as s:
            key = (g.type, g.actor_id, g.target_id, g.role_id, g.inherited)
            return s.get(Assignment, key) is not None

    @retry_on_lock()
    def revoke(self, g: Grant) -> None:
        with self.db.writer() as s:
            row = s.get(Assignment, (g.type, g.actor_id, g.target_id, g.role_id, g.inherited))
            if row is None:
                raise NotFound(f"Could not find role assignment with role: {g.role_id}, "
                               f"actor: {g.actor_id}, target: {g.target_id}.")
            s.delete(row)

    def list_grants(self, actor_ids: list[str] | None = None, target_id: str | None = None,
                    role_id: str | None = None, types: list[str] | None = None) -> list[Grant]:
        with self.db.reader() as s:
            rows = q.list_assignments(s, actor_ids, target_id, role_id, types)
        return [Grant(r.type, r.actor_id, r.target_id, r.role_id, r.inherited) for r in rows]

    # -- effective roles --------------------------------------------------------------------
    def _project_chain(self, project_id: str) -> tuple[list[str], str | None]:
        """Ancestors of a project (nearest first, excluding it) and its domain."""
        chain: list[str] = []
        domain_id = None
        with self.db.reader() as s:
            project = s.get(Project, project_id)
            if project is None:
                return chain, None
            domain_id = project.domain_id
            parent = project.parent_id
            while parent and parent != domain_id:
                chain.append(parent)
                row = s.get(Project, parent)
                parent = row.parent_id if row else None
        return chain, domain_id

    def roles_for(self, user_id: str, group_ids: list[str], scope: str,
                  scope_id: str | None) -> set[str]:
        """Role ids (implied ones included) the user holds on a project, domain or the system."""
        actors = [user_id, *group_ids]
        direct: set[str] = set()
        if scope == "project" and scope_id:
            ancestors, domain_id = self._project_chain(scope_id)
            for g in self.list_grants(actor_ids=actors, target_id=scope_id):
                if not g.inherited:
                    direct.add(g.role_id)
            inherit_from = ancestors + ([domain_id] if domain_id else [])
            for target in inherit_from:
                for g in self.list_grants(actor_ids=actors, target_id=target):
                    if g.inherited:
                        direct.add(g.role_id)
        elif scope == "domain" and scope_id:
            for g in self.list_grants(actor_ids=actors, target_id=scope_id,
                                      types=[USER_DOMAIN, GROUP_DOMAIN]):
                if not g.inherited:
                    direct.add(g.role_id)
        elif scope == "system":
            for g in self.list_grants(actor_ids=actors, target_id=SYSTEM,
                                      types=[USER_SYSTEM, GROUP_SYSTEM]):
                direct.add(g.role_id)
        return self.effective(direct) if direct else set()

    def domain_role_ids(self) -> set[str]:
        with self.db.reader() as s:
            return q.domain_role_ids(s)

    def effective(self, role_ids: set[str]) -> set[str]:
        """Implied roles added; domain-specific roles dropped (they only ever imply others)."""
        return self.expand(role_ids) - self.domain_role_ids()

    def project_ids_for(self, user_id: str, group_ids: list[str]) -> set[str]:
        """Projects the user has any role on, directly, by group or by inheritance."""
        actors = [user_id, *group_ids]
        result: set[str] = set()
        inherited_targets: set[str] = set()
        for g in self.list_grants(actor_ids=actors):
            if g.target_kind == "project":
                if g.inherited:
                    inherited_targets.add(g.target_id)
                else:
                    result.add(g.target_id)
            elif g.target_kind == "domain" and g.inherited:
                inherited_targets.add(g.target_id)
        if inherited_targets:
            with self.db.reader() as s:
                parents = projects.parent_ids(s)
            for project_id, parent in parents.items():
                node: str | None = parent
                while node:
                    if node in inherited_targets:
                        result.add(project_id)
                        break
                    node = parents.get(node)
        return result

    def domain_ids_for(self, user_id: str, group_ids: list[str]) -> set[str]:
        return {g.target_id for g in self.list_grants(actor_ids=[user_id, *group_ids],
                                                     types=[USER_DOMAIN, GROUP_DOMAIN])
                if not g.inherited}
