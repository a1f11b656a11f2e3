"""Volume type queries: by id or name, the paged listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db import type_access
from nimbus.volume.db.models import VolumeType
from nimbus.volume.errors import InvalidInput, VolumeTypeNotFound

# A boolean sorts as 0/1: keyset paging compares the marker's value with ``>``, which SQL
# expressions refuse for True and False.
SORT_COLUMNS: dict[str, Column] = {
    "id": VolumeType.id,
    "name": VolumeType.name,
    "description": VolumeType.description,
    "is_public": cast(VolumeType.is_public, Integer),
    "created_at": VolumeType.created_at,
    "updated_at": VolumeType.updated_at,
}
# Oldest first, so ``__DEFAULT__`` leads the list.
DEFAULT_SORT = (("created_at", "asc"), ("name", "asc"))


def get(s: Session, ref: str) -> VolumeType:
    """A volume type by id or by name, as Cinder accepts either."""
    row = s.get(VolumeType, ref) or by_name(s, ref)
    if row is None:
        raise VolumeTypeNotFound(id=ref)
    return row


def find(s: Session, type_id: str) -> VolumeType | None:
    return s.get(VolumeType, type_id)


def by_name(s: Session, name: str) -> VolumeType | None:
    return s.scalar(select(VolumeType).where(VolumeType.name == name))


def insert(s: Session, **fields: Any) -> VolumeType:
    row = VolumeType(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: VolumeType) -> None:
    s.delete(row)


def names(s: Session) -> list[str]:
    """Every type's name (the per-type quota keys)."""
    return list(s.scalars(select(VolumeType.name).order_by(VolumeType.created_at,
                                                           VolumeType.name)))


def listing(s: Session, public: bool | None, query: PageQuery,
            project_id: str | None = None) -> Page[VolumeType]:
    """One page of the types: only public (or only private) ones when ``public`` says so. The
    public ones come with the private ones ``project_id`` was given, as in Cinder."""
    stmt = select(VolumeType)
    if public and project_id is not None:
        stmt = stmt.where(type_access.visible_to(project_id))
    elif public is not None:
        stmt = stmt.where(VolumeType.is_public == public)
    return page(s, stmt, query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE,
                bad_marker=lambda m: VolumeTypeNotFound(id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))
