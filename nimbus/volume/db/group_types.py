"""Group type queries: by id (or name, for a group's ``group_type``), the paged listing, and
whether any group or group snapshot still has the type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db.group_models import Group, GroupSnapshot, GroupType
from nimbus.volume.errors import GroupTypeNotFound, InvalidInput

Record = dict[str, Any]

# A boolean sorts as 0/1: keyset paging compares the marker's value with ``>``.
SORT_COLUMNS: dict[str, Column] = {
    "id": GroupType.id,
    "name": GroupType.name,
    "description": GroupType.description,
    "is_public": cast(GroupType.is_public, Integer),
    "created_at": GroupType.created_at,
    "updated_at": GroupType.updated_at,
}
DEFAULT_SORT = (("created_at", "asc"), ("name", "asc"))


def get(s: Session, type_id: str) -> GroupType:
    """A group type by id, as Cinder's show looks it up."""
    row = s.get(GroupType, type_id)
    if row is None:
        raise GroupTypeNotFound(id=type_id)
    return row


def by_ref(s: Session, ref: str) -> GroupType:
    """By id or by name: a group's ``group_type`` may be either (Cinder tries both)."""
    row = s.get(GroupType, ref) or by_name(s, ref)
    if row is None:
        raise GroupTypeNotFound(id=ref)
    return row


def by_name(s: Session, name: str) -> GroupType | None:
    return s.scalar(select(GroupType).where(GroupType.name == name))


def insert(s: Session, **fields: Any) -> GroupType:
    row = GroupType(**fields)
    s.add(row)
    s.flush()
    return row


def in_use(s: Session, type_id: str) -> bool:
    """Whether a group or a group snapshot has the type (then it cannot be deleted)."""
    groups = s.scalar(select(func.count(Group.id)).where(Group.group_type_id == type_id))
    snaps = s.scalar(select(func.count(GroupSnapshot.id))
                     .where(GroupSnapshot.group_type_id == type_id))
    return bool(groups or snaps)


def listing(s: Session, public: bool | None, query: PageQuery) -> Page[GroupType]:
    """One page of the types: only public (or only private) ones when ``public`` says so."""
    stmt = select(GroupType)
    if public is not None:
        stmt = stmt.where(GroupType.is_public == public)
    return page(s, stmt, query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE, bad_marker=lambda m: GroupTypeNotFound(id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def record(row: GroupType) -> Record:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "is_public": row.is_public,
        "group_specs": {k: str(v) for k, v in (row.group_specs or {}).items()},
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
