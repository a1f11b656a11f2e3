"""The rules Keystone applies along a branch of the project hierarchy."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nimbus.core.errors import BadRequest, Forbidden
from nimbus.identity.db import projects as q
from nimbus.identity.db.models import Project

# Keystone's default ``[DEFAULT] max_project_tree_depth``: a domain plus five levels of projects.
MAX_DEPTH = 5


def check_new_child(s: Session, parent: Project, domain_id: str) -> None:
    """May a project be created under ``parent`` (a project or the domain itself)?"""
    if parent.is_domain:
        if parent.id != domain_id:
            raise BadRequest("Cannot create a project in a different domain than its parent.")
        return
    if parent.domain_id != domain_id:
        raise BadRequest("Cannot create a project in a different domain than its parent.")
    branch = [parent, *q.parents(s, parent)]
    disabled = [p.id for p in branch if not p.enabled]
    if disabled:
        raise BadRequest(f"Cannot create a project in a branch containing a disabled "
                         f"project: {disabled[0]}.")
    if len(branch) + 1 > MAX_DEPTH:
        raise Forbidden(f"Max hierarchy depth reached for {parent.id} branch.")


def check_enable_change(s: Session, project: Project, enabled: bool) -> None:
    """Enabling needs enabled parents; disabling needs a subtree that is already disabled."""
    if enabled == project.enabled:
        return
    if enabled:
        disabled = [p.id for p in q.parents(s, project) if not p.enabled]
        if disabled:
            raise Forbidden(f"Cannot enable project {project.id} since it has disabled "
                            f"parents: {disabled[0]}.")
    elif any(p.enabled for p in q.subtree(s, project.id)):
        raise Forbidden(f"Cannot disable project {project.id} since its subtree contains "
                        f"enabled projects.")

