"""Attachment queries: lookups, a volume's live attachments, the paged listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.volume import states
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db.models import Attachment, Volume
from nimbus.volume.db.volumes import on_host
from nimbus.volume.errors import AttachmentNotFound, InvalidInput

SORT_COLUMNS: dict[str, Column] = {
    "id": Attachment.id,
    "created_at": Attachment.created_at,
    "updated_at": Attachment.updated_at,
    "volume_id": Attachment.volume_id,
    "instance_uuid": Attachment.instance_uuid,
    "attach_status": Attachment.attach_status,
    "status": Attachment.attach_status,
}
DEFAULT_SORT = (("created_at", "desc"), ("id", "asc"))


@dataclass
class AttachmentFilters:
    project_id: str | None
    volume_id: str | None = None
    instance_uuid: str | None = None
    attach_status: str | None = None


def get(s: Session, attachment_id: str, project_id: str | None = None) -> Attachment:
    row = s.get(Attachment, attachment_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise AttachmentNotFound(id=attachment_id)
    return row


def insert(s: Session, **fields: Any) -> Attachment:
    row = Attachment(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: Attachment) -> None:
    s.delete(row)
    s.flush()


def live(s: Session, volume_id: str) -> list[Attachment]:
    """The volume's attachments that are not detached, oldest first."""
    stmt = (select(Attachment).where(Attachment.volume_id == volume_id)
            .where(Attachment.attach_status != states.DETACHED)
            .order_by(Attachment.created_at, Attachment.id))
    return list(s.scalars(stmt))


def live_count(s: Session, volume_id: str) -> int:
    stmt = (select(func.count(Attachment.id)).where(Attachment.volume_id == volume_id)
            .where(Attachment.attach_status != states.DETACHED))
    return int(s.scalar(stmt) or 0)


def of_host(s: Session, agent_host: str, statuses: frozenset[str] | set[str]) -> list[Attachment]:
    """The attachments in ``statuses`` of the agent's volumes, oldest first."""
    stmt = (select(Attachment).join(Volume, Volume.id == Attachment.volume_id)
            .where(on_host(agent_host), Attachment.attach_status.in_(sorted(statuses)))
            .order_by(Attachment.created_at, Attachment.id))
    return list(s.scalars(stmt))


def _filtered(filters: AttachmentFilters) -> Select[Any]:
    stmt = select(Attachment)
    for column, value in ((Attachment.project_id, filters.project_id),
                          (Attachment.volume_id, filters.volume_id),
                          (Attachment.instance_uuid, filters.instance_uuid),
                          (Attachment.attach_status, filters.attach_status)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def listing(s: Session, filters: AttachmentFilters, query: PageQuery) -> Page[Attachment]:
    """One page of the attachments ``filters`` keep; after a marker outside them, nothing."""
    return page(s, _filtered(filters), query, columns=SORT_COLUMNS,
                default_sort=DEFAULT_SORT, max_limit=MAX_PAGE, bad_marker=lambda m: None,
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))
