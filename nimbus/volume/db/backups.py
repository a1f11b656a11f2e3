"""Backup queries: lookups, the filtered and paged listing, a volume's latest backup, the
dependants of backups, an agent's backups and usage sums."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.core.errors import NotFound
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db.models import Backup
from nimbus.volume.errors import BackupNotFound, InvalidInput

# The columns a listing may sort on, by Cinder's names (``name`` from 3.37, as ``display_name``
# before it: both are the one column here).
SORT_COLUMNS: dict[str, Column] = {
    "id": Backup.id,
    "name": Backup.name,
    "display_name": Backup.name,
    "description": Backup.description,
    "display_description": Backup.description,
    "status": Backup.status,
    "size": Backup.size,
    "volume_id": Backup.volume_id,
    "project_id": Backup.project_id,
    "user_id": Backup.user_id,
    "availability_zone": Backup.availability_zone,
    "container": Backup.container,
    "object_count": Backup.object_count,
    "data_timestamp": Backup.data_timestamp,
    "created_at": Backup.created_at,
    "updated_at": Backup.updated_at,
}
DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))
# Where a backup's objects are in its container (its ``service_metadata``), and the only
# prefixes the backup work reads or deletes: an imported record names its own, which must not
# reach another service's objects in the account the services share.
PREFIX = re.compile(r"^volume_[0-9A-Za-z-]{1,64}/backup_[0-9A-Za-z-]{1,64}$")


def prefix_of(volume_id: str, backup_id: str) -> str:
    return f"volume_{volume_id}/backup_{backup_id}"


@dataclass
class BackupFilters:
    """What a listing keeps: ``project_id=None`` is every project (admins' ``all_tenants``)."""

    project_id: str | None
    name: str | None = None
    status: str | None = None
    volume_id: str | None = None
    # Only when listing every project: one project's backups.
    owner: str | None = None


def get(s: Session, backup_id: str, project_id: str | None = None, lock: bool = False) -> Backup:
    """The backup, or ``BackupNotFound`` when absent or (``project_id`` given) another
    project's."""
    stmt = select(Backup).filter_by(id=backup_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalar(stmt)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise BackupNotFound(id=backup_id)
    return row


def find(s: Session, backup_id: str) -> Backup | None:
    """The backup, or None once it is gone (the agent's view)."""
    return s.get(Backup, backup_id)


def insert(s: Session, **fields: Any) -> Backup:
    row = Backup(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: Backup) -> None:
    s.delete(row)
    s.flush()


def dependants(s: Session, backup_ids: list[str]) -> set[str]:
    """Which of ``backup_ids`` an incremental backup names as its parent (one query, at most a
    row per id)."""
    if not backup_ids:
        return set()
    stmt = (select(Backup.parent_id).where(Backup.parent_id.in_(backup_ids))
            .group_by(Backup.parent_id))
    return {str(parent) for parent in s.scalars(stmt)}


def latest_of_volume(s: Session, volume_id: str, project_id: str,
                     before: dt.datetime | None = None) -> Backup | None:
    """The project's available backup of the volume whose data is newest (and older than
    ``before``, for a backup of a snapshot): an incremental backup's parent, as Cinder picks
    it."""
    stmt = select(Backup).where(Backup.volume_id == volume_id, Backup.project_id == project_id,
                                Backup.status == "available")
    if before is not None:
        stmt = stmt.where(Backup.data_timestamp < before)
    stmt = stmt.order_by(Backup.data_timestamp.desc(), Backup.generation.desc(),
                         Backup.created_at.desc(), Backup.id.desc()).limit(1)
    return s.scalars(stmt).first()


def next_generation(s: Session, volume_id: str) -> int:
    """One more than the volume's newest backup's (under the volume's row lock)."""
    newest = s.scalar(select(func.max(Backup.generation)).where(Backup.volume_id == volume_id))
    return int(newest or 0) + 1


def of_host(s: Session, agent_host: str, statuses: frozenset[str] | set[str],
            changed_before: dt.datetime | None = None) -> list[Backup]:
    """The agent's backups in one of ``statuses``, oldest first."""
    stmt = select(Backup).where(Backup.host == agent_host, Backup.status.in_(sorted(statuses)))
    if changed_before is not None:
        stmt = stmt.where(or_(Backup.updated_at.is_(None), Backup.updated_at < changed_before))
    return list(s.scalars(stmt.order_by(Backup.created_at, Backup.id)))


def _filtered(filters: BackupFilters) -> Select[Any]:
    stmt = select(Backup)
    for column, value in ((Backup.project_id, filters.project_id),
                          (Backup.name, filters.name),
                          (Backup.status, filters.status),
                          (Backup.volume_id, filters.volume_id),
                          (Backup.project_id, filters.owner)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def listing(s: Session, filters: BackupFilters, query: PageQuery) -> Page[Backup]:
    """One page of the backups ``filters`` keep; a marker outside them is a 404."""
    return page(s, _filtered(filters), query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE,
                bad_marker=lambda m: NotFound(f"Marker {m} could not be found.",
                                              resource="marker", id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def count(s: Session, filters: BackupFilters) -> int:
    stmt = _filtered(filters).with_only_columns(func.count(Backup.id))
    return int(s.scalar(stmt) or 0)


def totals(s: Session, project_id: str) -> tuple[int, int]:
    """How many backups the project has and how many GiB they hold."""
    stmt = (select(func.count(Backup.id), func.coalesce(func.sum(Backup.size), 0))
            .where(Backup.project_id == project_id))
    number, size = s.execute(stmt).one()
    return int(number), int(size)


def record(row: Backup, has_dependents: bool = False) -> dict[str, Any]:
    """A backup as the managers and views see it."""
    return {
        "id": row.id,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "volume_id": row.volume_id,
        "snapshot_id": row.snapshot_id,
        "parent_id": row.parent_id,
        "name": row.name,
        "description": row.description,
        "status": row.status,
        "fail_reason": row.fail_reason,
        "size": row.size,
        "object_count": row.object_count,
        "availability_zone": row.availability_zone,
        "container": row.container,
        "service_metadata": row.service_metadata,
        "host": row.host,
        "data_timestamp": row.data_timestamp,
        "metadata": dict(row.metadata_ or {}),
        "restore_volume_id": row.restore_volume_id,
        "temp_snapshot_id": row.temp_snapshot_id,
        "is_incremental": row.parent_id is not None,
        "has_dependent_backups": has_dependents,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def records(s: Session, rows: list[Backup]) -> list[dict[str, Any]]:
    """Records for ``rows``, with which of them have dependants, in one more query."""
    parents = dependants(s, [r.id for r in rows])
    return [record(r, r.id in parents) for r in rows]
