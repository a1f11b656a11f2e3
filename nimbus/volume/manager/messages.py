"""User messages: what went wrong with a project's volumes and snapshots after the API answered."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume.constants import MESSAGE_ACTIONS, MESSAGE_DETAILS
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db.messages import MessageFilters
from nimbus.volume.db.models import Message

Record = dict[str, Any]

__all__ = ["MessageFilters", "MessageManager"]


def message_record(row: Message) -> Record:
    action = MESSAGE_ACTIONS.get(row.action_id, "unknown action")
    detail = MESSAGE_DETAILS.get(row.detail_id, MESSAGE_DETAILS["001"])
    return {
        "id": row.id,
        "project_id": row.project_id,
        "request_id": row.request_id,
        "resource_type": row.resource_type,
        "resource_uuid": row.resource_uuid,
        "event_id": row.event_id,
        "message_level": row.message_level,
        "user_message": f"{action}:{detail}",
        "created_at": row.created_at,
        "expires_at": row.expires_at,
    }


class MessageManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    def get(self, message_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return message_record(db_messages.get(s, message_id, project_id))

    def listing(self, filters: MessageFilters, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_messages.listing(s, filters, query)
            return Page([message_record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    @retry_on_lock()
    def delete(self, message_id: str, project_id: str | None) -> None:
        with self.db.writer() as s:
            db_messages.remove(s, db_messages.get(s, message_id, project_id))
