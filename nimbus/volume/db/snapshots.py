"""Snapshot queries: lookups, a volume's snapshots, the paged listing, usage sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.core.errors import NotFound
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db import keys
from nimbus.volume.db.models import Snapshot, Volume
from nimbus.volume.db.volumes import on_host
from nimbus.volume.errors import InvalidInput, SnapshotNotFound

# The snapshot columns a listing may sort on, by Cinder's names.
SORT_COLUMNS: dict[str, Column] = {
    "id": Snapshot.id,
    "name": Snapshot.name,
    "display_name": Snapshot.name,
    "description": Snapshot.description,
    "status": Snapshot.status,
    "size": Snapshot.size,
    "volume_id": Snapshot.volume_id,
    "project_id": Snapshot.project_id,
    "user_id": Snapshot.user_id,
    "created_at": Snapshot.created_at,
    "updated_at": Snapshot.updated_at,
}
DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))


@dataclass
class SnapshotFilters:
    project_id: str | None
    status: str | None = None
    volume_id: str | None = None
    name: str | None = None


def get(s: Session, snapshot_id: str, project_id: str | None = None) -> Snapshot:
    row = s.get(Snapshot, snapshot_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise SnapshotNotFound(id=snapshot_id)
    return row


def find(s: Session, snapshot_id: str) -> Snapshot | None:
    return s.get(Snapshot, snapshot_id)


def latest_of_volume(s: Session, volume_id: str) -> Snapshot | None:
    """The volume's newest snapshot (the only one it may be reverted to)."""
    stmt = (select(Snapshot).where(Snapshot.volume_id == volume_id)
            .order_by(Snapshot.generation.desc(), Snapshot.created_at.desc()).limit(1))
    return s.scalars(stmt).first()


def next_generation(s: Session, volume_id: str) -> int:
    """One more than the volume's newest snapshot's (under the volume's row lock)."""
    newest = s.scalar(select(func.max(Snapshot.generation)).where(
        Snapshot.volume_id == volume_id))
    return int(newest or 0) + 1


def insert(s: Session, **fields: Any) -> Snapshot:
    row = Snapshot(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: Snapshot) -> None:
    s.delete(row)
    s.flush()
    keys.drop_unused(s, row.encryption_key_id)


def of_volume(s: Session, volume_id: str) -> list[Snapshot]:
    stmt = select(Snapshot).where(Snapshot.volume_id == volume_id).order_by(Snapshot.id)
    return list(s.scalars(stmt))


def ids_of_volume(s: Session, volume_id: str) -> list[str]:
    stmt = select(Snapshot.id).where(Snapshot.volume_id == volume_id).order_by(Snapshot.id)
    return list(s.scalars(stmt))


def of_host(s: Session, agent_host: str, statuses: frozenset[str] | set[str],
            changed_before: dt.datetime | None = None) -> list[tuple[Snapshot, str]]:
    """The snapshots in ``statuses`` of the agent's volumes, with their volume's status."""
    stmt = (select(Snapshot, Volume.status).join(Volume, Volume.id == Snapshot.volume_id)
            .where(on_host(agent_host), Snapshot.status.in_(sorted(statuses))))
    if changed_before is not None:
        stmt = stmt.where(or_(Snapshot.updated_at.is_(None),
                              Snapshot.updated_at < changed_before))
    stmt = stmt.order_by(Snapshot.created_at, Snapshot.id)
    return [(snap, str(status)) for snap, status in s.execute(stmt).all()]


def _filtered(filters: SnapshotFilters) -> Select[Any]:
    stmt = select(Snapshot)
    for column, value in ((Snapshot.project_id, filters.project_id),
                          (Snapshot.status, filters.status),
                          (Snapshot.volume_id, filters.volume_id),
                          (Snapshot.name, filters.name)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def listing(s: Session, filters: SnapshotFilters, query: PageQuery) -> Page[Snapshot]:
    """One page of the snapshots ``filters`` keep; a marker outside them is a 404."""
    return page(s, _filtered(filters), query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE,
                bad_marker=lambda m: NotFound(f"Marker {m} could not be found.",
                                              resource="marker", id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def totals(s: Session, project_id: str) -> tuple[int, int]:
    """How many snapshots the project has and how many GiB they hold."""
    stmt = (select(func.count(Snapshot.id), func.coalesce(func.sum(Snapshot.size), 0))
            .where(Snapshot.project_id == project_id))
    number, size = s.execute(stmt).one()
    return int(number), int(size)
