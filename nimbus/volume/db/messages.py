"""User-message queries: recording one, lookups, the paged listing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.core.errors import NotFound
from nimbus.volume.constants import MAX_PAGE, MESSAGE_TTL_DAYS
from nimbus.volume.db.models import Message
from nimbus.volume.errors import InvalidInput, MessageNotFound

SORT_COLUMNS: dict[str, Column] = {
    "id": Message.id,
    "created_at": Message.created_at,
    "event_id": Message.event_id,
    "resource_type": Message.resource_type,
    "resource_uuid": Message.resource_uuid,
    "message_level": Message.message_level,
    "request_id": Message.request_id,
}
DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))


@dataclass
class MessageFilters:
    project_id: str | None
    resource_uuid: str | None = None
    resource_type: str | None = None
    event_id: str | None = None
    request_id: str | None = None
    message_level: str | None = None


def record(s: Session, *, project_id: str, resource_type: str, resource_uuid: str | None,
           fault: tuple[str, str], request_id: str | None = None) -> Message:
    """Tell the owner of ``resource_uuid`` that ``fault`` (action id, detail id) happened."""
    action_id, detail_id = fault
    now = utcnow()
    row = Message(project_id=project_id, request_id=request_id, resource_type=resource_type,
                  resource_uuid=resource_uuid,
                  event_id=f"VOLUME_{resource_type}_{action_id}_{detail_id}",
                  action_id=action_id, detail_id=detail_id, message_level="ERROR",
                  created_at=now, expires_at=now + dt.timedelta(days=MESSAGE_TTL_DAYS))
    s.add(row)
    s.flush()
    return row


def get(s: Session, message_id: str, project_id: str | None = None) -> Message:
    row = s.get(Message, message_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise MessageNotFound(id=message_id)
    return row


def remove(s: Session, row: Message) -> None:
    s.delete(row)


def _filtered(filters: MessageFilters) -> Select[Any]:
    stmt = select(Message)
    for column, value in ((Message.project_id, filters.project_id),
                          (Message.resource_uuid, filters.resource_uuid),
                          (Message.resource_type, filters.resource_type),
                          (Message.event_id, filters.event_id),
                          (Message.request_id, filters.request_id),
                          (Message.message_level, filters.message_level)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def listing(s: Session, filters: MessageFilters, query: PageQuery) -> Page[Message]:
    """One page of the messages ``filters`` keep; a marker outside them is a 404."""
    return page(s, _filtered(filters), query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE,
                bad_marker=lambda m: NotFound(f"Marker {m} could not be found.",
                                              resource="marker", id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))
