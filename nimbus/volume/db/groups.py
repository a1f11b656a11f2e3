"""Group and group snapshot queries, their records, and how a group or group snapshot follows
its members: one made from a source is available once all its volumes (or snapshots) are, and
one being deleted goes once its last member has gone.

The agent calls ``settle_*`` in the transaction that changed a member, so a member's outcome
and its group's are written together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.core.errors import NotFound
from nimbus.volume import states
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db.group_models import Group, GroupSnapshot, GroupVolumeType
from nimbus.volume.db.models import Snapshot, Volume
from nimbus.volume.errors import GroupNotFound, GroupSnapshotNotFound, InvalidInput

Record = dict[str, Any]

SORT_COLUMNS: dict[str, Column] = {
    "id": Group.id,
    "name": Group.name,
    "description": Group.description,
    "status": Group.status,
    "availability_zone": Group.availability_zone,
    "created_at": Group.created_at,
    "updated_at": Group.updated_at,
}
SNAPSHOT_SORT_COLUMNS: dict[str, Column] = {
    "id": GroupSnapshot.id,
    "name": GroupSnapshot.name,
    "description": GroupSnapshot.description,
    "status": GroupSnapshot.status,
    "group_id": GroupSnapshot.group_id,
    "created_at": GroupSnapshot.created_at,
    "updated_at": GroupSnapshot.updated_at,
}
DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))


@dataclass
class GroupFilters:
    """What a listing keeps: ``project_id=None`` is every project (admins' ``all_tenants``)."""

    project_id: str | None
    name: str | None = None
    status: str | None = None
    group_id: str | None = None


def _marker_not_found(marker: str) -> NotFound:
    return NotFound(f"Marker {marker} could not be found.", resource="marker", id=marker)


# -- groups ------------------------------------------------------------------------------------
def get(s: Session, group_id: str, project_id: str | None = None, lock: bool = False) -> Group:
    """The group, or ``GroupNotFound`` when absent or (``project_id`` given) another
    project's."""
    stmt = select(Group).where(Group.id == group_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalar(stmt)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise GroupNotFound(id=group_id)
    return row


def find(s: Session, group_id: str) -> Group | None:
    return s.get(Group, group_id)


def insert(s: Session, volume_type_ids: list[str], **fields: Any) -> Group:
    row = Group(**fields)
    s.add(row)
    s.flush()
    for position, type_id in enumerate(volume_type_ids):
        s.add(GroupVolumeType(group_id=row.id, volume_type_id=type_id, position=position))
    s.flush()
    return row


def remove(s: Session, row: Group) -> None:
    s.execute(delete(GroupVolumeType).where(GroupVolumeType.group_id == row.id))
    s.delete(row)
    s.flush()


def volume_types_of(s: Session, group_ids: list[str]) -> dict[str, list[str]]:
    """The volume type ids each group allows, in the order it was created with."""
    found: dict[str, list[str]] = {gid: [] for gid in group_ids}
    stmt = (select(GroupVolumeType).where(GroupVolumeType.group_id.in_(group_ids))
            .order_by(GroupVolumeType.group_id, GroupVolumeType.position))
    for link in s.scalars(stmt):
        found[link.group_id].append(link.volume_type_id)
    return found


def groups_with_type(s: Session, volume_type_id: str) -> int:
    """How many groups allow the volume type (it cannot be deleted while one does)."""
    return int(s.scalar(select(func.count()).select_from(GroupVolumeType)
                        .where(GroupVolumeType.volume_type_id == volume_type_id)) or 0)


def volumes_of(s: Session, group_id: str) -> list[Volume]:
    stmt = select(Volume).where(Volume.group_id == group_id).order_by(Volume.created_at,
                                                                      Volume.id)
    return list(s.scalars(stmt))


def volume_ids_of(s: Session, group_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {gid: [] for gid in group_ids}
    stmt = (select(Volume.group_id, Volume.id).where(Volume.group_id.in_(group_ids))
            .order_by(Volume.created_at, Volume.id))
    for group_id, volume_id in s.execute(stmt).all():
        found[str(group_id)].append(str(volume_id))
    return found


def creating_from(s: Session, group_id: str | None = None,
                  group_snapshot_id: str | None = None) -> bool:
    """Whether a group is being made from this group or group snapshot (which must stay)."""
    stmt = select(func.count(Group.id)).where(Group.status == states.CREATING)
    if group_id is not None:
        stmt = stmt.where(Group.source_group_id == group_id)
    if group_snapshot_id is not None:
        stmt = stmt.where(Group.group_snapshot_id == group_snapshot_id)
    return bool(s.scalar(stmt))


def count(s: Session, project_id: str) -> int:
    """How many groups the project has (its ``groups`` quota)."""
    return int(s.scalar(select(func.count(Group.id)).where(Group.project_id == project_id))
               or 0)


def _filtered(filters: GroupFilters) -> Select[Any]:
    stmt = select(Group)
    for column, value in ((Group.project_id, filters.project_id), (Group.name, filters.name),
                          (Group.status, filters.status)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def listing(s: Session, filters: GroupFilters, query: PageQuery) -> Page[Group]:
    return page(s, _filtered(filters), query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE, bad_marker=_marker_not_found,
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def records(s: Session, rows: list[Group], with_volumes: bool = False) -> list[Record]:
    """Records of ``rows`` with their volume types (and volume ids), a query for each."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    types = volume_types_of(s, ids)
    volumes = volume_ids_of(s, ids) if with_volumes else {}
    return [{
        "id": r.id,
        "project_id": r.project_id,
        "user_id": r.user_id,
        "name": r.name,
        "description": r.description,
        "status": r.status,
        "availability_zone": r.availability_zone,
        "group_type_id": r.group_type_id,
        "volume_type_ids": types[r.id],
        "volume_ids": volumes.get(r.id, []),
        "host": r.host,
        "group_snapshot_id": r.group_snapshot_id,
        "source_group_id": r.source_group_id,
        "replication_status": r.replication_status,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    } for r in rows]


# -- group snapshots ---------------------------------------------------------------------------
def get_snapshot(s: Session, group_snapshot_id: str, project_id: str | None = None,
                 lock: bool = False) -> GroupSnapshot:
    stmt = select(GroupSnapshot).where(GroupSnapshot.id == group_snapshot_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalar(stmt)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise GroupSnapshotNotFound(id=group_snapshot_id)
    return row


def snapshots_of_group(s: Session, group_id: str) -> int:
    return int(s.scalar(select(func.count(GroupSnapshot.id))
                        .where(GroupSnapshot.group_id == group_id)) or 0)


def members(s: Session, group_snapshot_id: str) -> list[Snapshot]:
    """The volume snapshots taken as part of the group snapshot."""
    stmt = (select(Snapshot).where(Snapshot.group_snapshot_id == group_snapshot_id)
            .order_by(Snapshot.created_at, Snapshot.id))
    return list(s.scalars(stmt))


def snapshot_listing(s: Session, filters: GroupFilters, query: PageQuery) -> Page[GroupSnapshot]:
    stmt = select(GroupSnapshot)
    for column, value in ((GroupSnapshot.project_id, filters.project_id),
                          (GroupSnapshot.name, filters.name),
                          (GroupSnapshot.status, filters.status),
                          (GroupSnapshot.group_id, filters.group_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return page(s, stmt, query, columns=SNAPSHOT_SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE, bad_marker=_marker_not_found,
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def snapshot_record(row: GroupSnapshot) -> Record:
    return {
        "id": row.id,
        "group_id": row.group_id,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "name": row.name,
        "description": row.description,
        "status": row.status,
        "group_type_id": row.group_type_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


# -- following the members ---------------------------------------------------------------------
def settle_group(s: Session, group_id: str | None) -> None:
    """Once a member volume of a group being made or deleted has settled: the group is
    available (or error) when none is still being made, and gone when none is left."""
    if not group_id:
        return
    group = s.scalar(select(Group).where(Group.id == group_id).with_for_update())
    if group is None or group.status not in (states.CREATING, states.DELETING):
        return
    statuses = [v.status for v in volumes_of(s, group_id)]
    if group.status == states.CREATING:
        if "creating" in statuses:
            return
        states.GROUP_STATUS.move(group, states.ERROR if "error" in statuses else states.AVAILABLE)
    elif not statuses:
        remove(s, group)
        return
    elif "deleting" not in statuses:
        states.GROUP_STATUS.move(group, states.ERROR_DELETING)
    group.updated_at = utcnow()


def settle_group_snapshot(s: Session, group_snapshot_id: str | None) -> None:
    """The same for a group snapshot and its volumes' snapshots."""
    if not group_snapshot_id:
        return
    row = s.scalar(select(GroupSnapshot).where(GroupSnapshot.id == group_snapshot_id)
                   .with_for_update())
    if row is None or row.status not in (states.CREATING, states.DELETING):
        return
    statuses = [m.status for m in members(s, group_snapshot_id)]
    if row.status == states.CREATING:
        if "creating" in statuses:
            return
        states.GROUP_SNAPSHOT_STATUS.move(row, states.ERROR if "error" in statuses else states.AVAILABLE)
    elif not statuses:
        s.delete(row)
        s.flush()
        return
    elif "deleting" not in statuses:
        states.GROUP_SNAPSHOT_STATUS.move(row, states.ERROR_DELETING)
    row.updated_at = utcnow()
