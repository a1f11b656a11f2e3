"""Volume queries: lookups, the filtered and paged listing, counts and sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.core.errors import NotFound
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db import keys
from nimbus.volume.db.models import Volume
from nimbus.volume.errors import InvalidInput, VolumeNotFound

# The keys a listing may sort on (``sort=name:asc``), Cinder's names for our columns.
# A boolean sorts as 0/1: keyset paging compares the marker's value with ``>``, which SQL
# expressions refuse for True and False.
SORT_COLUMNS: dict[str, Column] = {
    "id": Volume.id,
    "name": Volume.name,
    "display_name": Volume.name,
    "status": Volume.status,
    "size": Volume.size,
    "created_at": Volume.created_at,
    "updated_at": Volume.updated_at,
    "availability_zone": Volume.availability_zone,
    "bootable": Volume.bootable,
    "project_id": Volume.project_id,
}
DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))


@dataclass
class VolumeFilters:
    """What a listing keeps: ``project_id=None`` is every project (admins' ``all_tenants``)."""

    project_id: str | None
    name: str | None = None
    status: str | None = None
    availability_zone: str | None = None
    id: str | None = None
    user_id: str | None = None
    bootable: bool | None = None
    # Only when listing every project: one project's volumes.
    owner: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def get(s: Session, volume_id: str, project_id: str | None = None, lock: bool = False) -> Volume:
    """The volume, or ``VolumeNotFound`` when absent or (``project_id`` given) another project's."""
    stmt = select(Volume).filter_by(id=volume_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalar(stmt)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise VolumeNotFound(id=volume_id)
    return row


def find(s: Session, volume_id: str) -> Volume | None:
    """The volume, or None once it is gone (the agent's view: no project, no error)."""
    return s.get(Volume, volume_id)


def on_host(agent_host: str) -> Any:
    """The condition "lives on the agent ``host@backend``" (any of its pools)."""
    return or_(Volume.host == agent_host,
               Volume.host.startswith(f"{agent_host}#", autoescape=True))


def of_host(s: Session, agent_host: str, statuses: frozenset[str] | set[str],
            changed_before: dt.datetime | None = None) -> list[Volume]:
    """The agent's volumes in one of ``statuses`` (last changed before ``changed_before``),
    oldest first."""
    stmt = select(Volume).where(on_host(agent_host), Volume.status.in_(sorted(statuses)))
    if changed_before is not None:
        stmt = stmt.where(or_(Volume.updated_at.is_(None), Volume.updated_at < changed_before))
    return list(s.scalars(stmt.order_by(Volume.created_at, Volume.id)))


def moving_from(s: Session, agent_host: str) -> list[Volume]:
    """The agent's volumes whose move to another backend has begun and not ended."""
    stmt = select(Volume).where(on_host(agent_host),
                                Volume.migration_status.in_(("starting", "migrating")))
    return list(s.scalars(stmt.order_by(Volume.created_at, Volume.id)))


def unplaced(s: Session, status: str) -> list[str]:
    """Ids of the volumes in ``status`` that no backend host took, oldest first."""
    stmt = (select(Volume.id).where(Volume.host.is_(None), Volume.status == status)
            .order_by(Volume.created_at, Volume.id))
    return list(s.scalars(stmt))


def place(s: Session, volume_id: str, host: str, status: str) -> bool:
    """Give the unplaced volume in ``status`` to ``host``; False when another took it first
    (one conditional update, so two agents never both take it)."""
    stmt = (update(Volume).where(Volume.id == volume_id, Volume.host.is_(None),
                                 Volume.status == status)
            .values(host=host).execution_options(synchronize_session=False))
    return bool(s.execute(stmt).rowcount)  # type: ignore[attr-defined]


def insert(s: Session, **fields: Any) -> Volume:
    row = Volume(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: Volume) -> None:
    s.delete(row)
    s.flush()
    keys.drop_unused(s, row.encryption_key_id)


def _filtered(filters: VolumeFilters) -> Select[Any]:
    stmt = select(Volume)
    if filters.project_id is not None:
        stmt = stmt.where(Volume.project_id == filters.project_id)
    elif filters.owner is not None:
        stmt = stmt.where(Volume.project_id == filters.owner)
    for column, value in ((Volume.name, filters.name), (Volume.status, filters.status),
                          (Volume.availability_zone, filters.availability_zone),
                          (Volume.id, filters.id), (Volume.user_id, filters.user_id),
                          (Volume.bootable, filters.bootable)):
        if value is not None:
            stmt = stmt.where(column == value)
    for key, value in filters.metadata.items():
        stmt = stmt.where(Volume.metadata_[key].as_string() == value)
    return stmt


def listing(s: Session, filters: VolumeFilters, query: PageQuery) -> Page[Volume]:
    """One page of the volumes ``filters`` keep. The marker must be a volume the caller may
    see (any of its project's, whatever the filters), else 404 as Cinder answers."""
    visible = select(Volume)
    if filters.project_id is not None:
        visible = visible.where(Volume.project_id == filters.project_id)
    return page(s, _filtered(filters), query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                marker_stmt=visible, max_limit=MAX_PAGE,
                bad_marker=lambda m: NotFound(f"Marker {m} could not be found.",
                                              resource="marker", id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def count(s: Session, filters: VolumeFilters) -> int:
    stmt = _filtered(filters).with_only_columns(func.count(Volume.id))
    return int(s.scalar(stmt) or 0)


def totals(s: Session, project_id: str | None) -> tuple[int, int]:
    """How many volumes the project has and how many GiB they hold."""
    stmt = select(func.count(Volume.id), func.coalesce(func.sum(Volume.size), 0))
    if project_id is not None:
        stmt = stmt.where(Volume.project_id == project_id)
    number, size = s.execute(stmt).one()
    return int(number), int(size)


def metadata_of(s: Session, project_id: str | None) -> list[dict[str, Any]]:
    """Every volume's metadata (the summary's 3.36 ``metadata``), only that column, in the
    listing's default order."""
    stmt = select(Volume.metadata_).order_by(Volume.created_at.desc(), Volume.id.desc())
    if project_id is not None:
        stmt = stmt.where(Volume.project_id == project_id)
    return [dict(m or {}) for m in s.scalars(stmt)]


def of_type(s: Session, type_id: str) -> int:
    """How many volumes have the type (one in use cannot be deleted)."""
    return int(s.scalar(select(func.count(Volume.id)).where(Volume.volume_type_id == type_id))
               or 0)
