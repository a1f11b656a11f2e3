"""Image tasks: the record of each asynchronous import or copy, as ``/v2/tasks`` shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.image import states
from nimbus.image.constants import MAX_LIMIT
from nimbus.image.db import tasks as rows
from nimbus.image.db.models import ImageTask
from nimbus.image.errors import TaskNotFound

# Finished tasks stay visible this long, as Glance's task_time_to_live does (48 hours).
TIME_TO_LIVE = dt.timedelta(hours=48)
FIELDS = ("id", "type", "status", "owner", "image_id", "request_id", "user_id", "input",
          "result", "message", "created_at", "updated_at", "expires_at")


def plain(row: ImageTask) -> dict[str, Any]:
    return {c: getattr(row, c) for c in FIELDS}


class TaskManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    @retry_on_lock()
    def create(self, ctx: RequestContext, task_type: str, task_input: dict[str, Any],
               image_id: str | None, owner: str | None = None) -> dict[str, Any]:
        now = utcnow()
        with self.db.writer() as session:
            row = ImageTask(id=new_id(), type=task_type,
                            status=states.TASK_STATUS.start(states.PENDING),
                            owner=owner or ctx.project_id, image_id=image_id,
                            request_id=ctx.request_id, user_id=ctx.user_id, input=task_input,
                            result=None, message="", created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return plain(row)

    @retry_on_lock()
    def set_status(self, task_id: str, status: str, message: str = "",
                   result: dict[str, Any] | None = None) -> None:
        with self.db.writer() as session:
            row = rows.get(session, task_id)
            if row is None:
                return
            states.TASK_STATUS.move(row, status)
            row.message = message[:2000]
            if result is not None:
                row.result = result
            row.updated_at = utcnow()
            if status in (states.SUCCESS, states.FAILURE):
                row.expires_at = row.updated_at + TIME_TO_LIVE

    def get(self, ctx: RequestContext, task_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = rows.get(session, task_id)
            if row is None or not (ctx.is_admin or row.owner == ctx.project_id):
                raise TaskNotFound(id=task_id)
            return plain(row)

    def list_tasks(self, ctx: RequestContext, query: PageQuery, *, status: str | None = None,
                   task_type: str | None = None) -> Page[dict[str, Any]]:
        """One page of the tasks ``ctx`` may see (an unknown marker is a 404, as in Glance)."""
        with self.db.reader() as session:
            found = rows.list_page(session, None if ctx.is_admin else (ctx.project_id or ""),
                                   query, status=status, task_type=task_type,
                                   max_limit=MAX_LIMIT, bad_marker=lambda m: TaskNotFound(id=m))
            return Page([plain(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    def for_image(self, image_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            return [plain(r) for r in rows.for_image(session, image_id)]

    def unfinished(self, before: dt.datetime) -> list[dict[str, Any]]:
        """Tasks left ``pending`` or ``processing`` by a process that stopped: untouched since
        ``before`` (this process's start), oldest first."""
        with self.db.reader() as session:
            return [plain(r) for r in rows.unfinished(
                session, (states.PENDING, states.PROCESSING), before)]
