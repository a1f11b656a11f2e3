"""The project hierarchy: parents, subtrees and the rules Keystone applies along a branch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from nimbus.core.errors import BadRequest, Forbidden
from nimbus.identity.db.models import Project

# Keystone's default ``[DEFAULT] max_project_tree_depth``: a domain plus five levels of projects.
MAX_DEPTH = 5


def parents(s: Any, project: Project) -> list[Project]:
    """Ancestors of ``project`` that are projects (nearest first); the domain is not included."""
    chain: list[Project] = []
    seen = {project.id}
    node = project.parent_id
    while node and node not in seen:
        seen.add(node)
        row = s.get(Project, node)
        if row is None or row.is_domain:
            break
        chain.append(row)
        node = row.parent_id
    return chain


def subtree(s: Any, project_id: str) -> list[Project]:
    """Every project below ``project_id`` (breadth first), not including it."""
    rows = list(s.scalars(select(Project).filter_by(is_domain=False)))
    children: dict[str | None, list[Project]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    result: list[Project] = []
    todo = [project_id]
    while todo:
        for child in sorted(children.get(todo.pop(0), []), key=lambda r: r.name):
            if child.id != project_id and child not in result:
                result.append(child)
                todo.append(child.id)
    return result


def check_new_child(s: Any, parent: Project, domain_id: str) -> None:
    """May a project be created under ``parent`` (a project or the domain itself)?"""
    if parent.is_domain:
        if parent.id != domain_id:
            raise BadRequest("Cannot create a project in a different domain than its parent.")
        return
    if parent.domain_id != domain_id:
        raise BadRequest("Cannot create a project in a different domain than its parent.")
    branch = [parent, *parents(s, parent)]
    disabled = [p.id for p in branch if not p.enabled]
    if disabled:
        raise BadRequest(f"Cannot create a project in a branch containing a disabled "
                         f"project: {disabled[0]}.")
    if len(branch) + 1 > MAX_DEPTH:
        raise Forbidden(f"Max hierarchy depth reached for {parent.id} branch.")


def check_enable_change(s: Any, project: Project, enabled: bool) -> None:
    """Enabling needs enabled parents; disabling needs a subtree that is already disabled."""
    if enabled == project.enabled:
        return
    if enabled:
        disabled = [p.id for p in parents(s, project) if not p.enabled]
        if disabled:
            raise Forbidden(f"Cannot enable project {project.id} since it has disabled "
                            f"parents: {disabled[0]}.")
    elif any(p.enabled for p in subtree(s, project.id)):
        raise Forbidden(f"Cannot disable project {project.id} since its subtree contains "
                        f"enabled projects.")


def has_children(s: Any, project_id: str) -> bool:
    return s.scalar(select(Project.id).filter_by(parent_id=project_id, is_domain=False)
                    .limit(1)) is not None
