"""Quota limits: a project's own limits where they differ from the defaults."""

from __future__ import annotations

from sqlalchemy import delete, select

from nimbus.compute.db.models import Quota
from nimbus.core.db.engine import Database, retry_on_lock


def overrides(db: Database, project_id: str) -> dict[str, int]:
    """The project's own limits, by resource."""
    with db.reader() as s:
        stmt = select(Quota).where(Quota.project_id == project_id)
        return {row.resource: int(row.hard_limit) for row in s.scalars(stmt)}


@retry_on_lock()
def set_limits(db: Database, project_id: str, limits: dict[str, int]) -> None:
    """Record ``limits`` as the project's own, in one transaction."""
    with db.writer() as s:
        found = {row.resource: row for row in
                 s.scalars(select(Quota).where(Quota.project_id == project_id))}
        for resource, limit in limits.items():
            row = found.get(resource)
            if row is None:
                s.add(Quota(project_id=project_id, resource=resource, hard_limit=limit))
            else:
                row.hard_limit = limit
        s.flush()


@retry_on_lock()
def reset(db: Database, project_id: str) -> None:
    """Forget the project's own limits: the defaults apply again."""
    with db.writer() as s:
        s.execute(delete(Quota).where(Quota.project_id == project_id))
