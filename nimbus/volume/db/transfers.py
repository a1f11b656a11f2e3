"""Volume transfer queries: lookups by id (within the offering project) and the paged listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db.models import Transfer
from nimbus.volume.errors import InvalidInput, TransferNotFound

SORT_COLUMNS: dict[str, Column] = {
    "id": Transfer.id,
    "name": Transfer.name,
    "display_name": Transfer.name,
    "volume_id": Transfer.volume_id,
    "created_at": Transfer.created_at,
}
# The order before paging (3.59) and since; a client may name its own keys.
OLDEST_FIRST = (("created_at", "asc"), ("id", "asc"))
NEWEST_FIRST = (("created_at", "desc"), ("id", "desc"))


def get(s: Session, transfer_id: str, project_id: str | None = None) -> Transfer:
    """A transfer of ``project_id``'s (any project's when None); others are not found."""
    row = s.get(Transfer, transfer_id)
    if row is None or (project_id is not None and row.source_project_id != project_id):
        raise TransferNotFound(id=transfer_id)
    return row


def insert(s: Session, **fields: Any) -> Transfer:
    row = Transfer(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: Transfer) -> None:
    s.delete(row)


def listing(s: Session, project_id: str | None, name: str | None, query: PageQuery,
            default_sort: tuple[tuple[str, str], ...]) -> Page[Transfer]:
    stmt = select(Transfer)
    if project_id is not None:
        stmt = stmt.where(Transfer.source_project_id == project_id)
    if name is not None:
        stmt = stmt.where(Transfer.name == name)
    return page(s, stmt, query, columns=SORT_COLUMNS, default_sort=default_sort,
                max_limit=MAX_PAGE,
                bad_marker=lambda m: TransferNotFound(id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))
