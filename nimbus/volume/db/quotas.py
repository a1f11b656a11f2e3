"""Quota queries: a project's limits where they differ from the defaults."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.volume.db.models import Quota


def overrides(s: Session, project_id: str) -> dict[str, int]:
    """The project's own limits, by resource."""
    stmt = select(Quota).where(Quota.project_id == project_id)
    return {row.resource: row.hard_limit for row in s.scalars(stmt)}


def set_limit(s: Session, project_id: str, resource: str, limit: int) -> None:
    row = s.scalar(select(Quota).where(Quota.project_id == project_id,
                                       Quota.resource == resource))
    if row is None:
        s.add(Quota(project_id=project_id, resource=resource, hard_limit=limit))
    else:
        row.hard_limit = limit
    s.flush()


def reset(s: Session, project_id: str) -> None:
    """Forget the project's own limits: the defaults apply again."""
    for row in s.scalars(select(Quota).where(Quota.project_id == project_id)):
        s.delete(row)
