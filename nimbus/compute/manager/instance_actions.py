"""What was done to a server (``os-instance-actions``), and how it went."""

from __future__ import annotations

import datetime as dt

from nimbus.compute.db import actions as db
from nimbus.compute.db import usage as usage_db
from nimbus.compute.db.models import InstanceAction, InstanceActionEvent
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest

__all__ = ["InstanceAction", "InstanceActionEvent", "InstanceActionManager"]


class InstanceActionManager:
    def __init__(self, db: Database, max_limit: int) -> None:
        self.db = db
        self.max_limit = max_limit

    def page(self, uuid: str, query: PageQuery | None = None, *,
             changes_since: dt.datetime | None = None,
             changes_before: dt.datetime | None = None) -> Page[InstanceAction]:
        """The server's actions, newest first: one page of them (2.58+), or all."""
        if changes_since and changes_before and changes_before < changes_since:
            raise BadRequest("The value of changes-since must be less than or equal to "
                             "changes-before.")
        if query is None:
            return db.page_actions(self.db, uuid, PageQuery())
        return db.page_actions(self.db, uuid, query, changes_since=changes_since,
                               changes_before=changes_before, max_limit=self.max_limit)

    def deleted_owner(self, uuid: str) -> tuple[str, str] | None:
        """The (project, user) a deleted server had: its actions stay readable (2.21)."""
        return usage_db.deleted_owner(self.db, uuid)

    def get(self, uuid: str,
            request_id: str) -> tuple[InstanceAction, list[InstanceActionEvent]]:
        return db.get_action(self.db, uuid, request_id)
