"""Image tasks: the record of each asynchronous import or copy, as ``/v2/tasks`` shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound, register
from nimbus.image.db.models import ImageTask

PENDING, PROCESSING, SUCCESS, FAILURE = "pending", "processing", "success", "failure"
# Finished tasks stay visible this long, as Glance's task_time_to_live does (48 hours).
TIME_TO_LIVE = dt.timedelta(hours=48)


class TaskNotFound(NotFound):
    message_format = "Task with identifier {id} not found"


register(TaskNotFound)


def plain(row: ImageTask) -> dict[str, Any]:
    return {c: getattr(row, c) for c in ("id", "type", "status", "owner", "image_id",
                                         "request_id", "user_id", "input", "result",
                                         "message", "created_at", "updated_at",
                                         "expires_at")}


class TaskManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    @retry_on_lock()
    def create(self, ctx: RequestContext, task_type: str, task_input: dict[str, Any],
               image_id: str | None, owner: str | None = None) -> dict[str, Any]:
        now = utcnow()
        with self.db.writer() as session:
            row = ImageTask(id=new_id(), type=task_type, status=PENDING,
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
            row = session.get(ImageTask, task_id)
            if row is None:
                return
            row.status = status
            row.message = message[:2000]
            if result is not None:
                row.result = result
            row.updated_at = utcnow()
            if status in (SUCCESS, FAILURE):
                row.expires_at = row.updated_at + TIME_TO_LIVE

    def _visible(self, ctx: RequestContext) -> Any:
        return True if ctx.is_admin else ImageTask.owner == (ctx.project_id or "")

    def get(self, ctx: RequestContext, task_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = session.get(ImageTask, task_id)
            if row is None or not (ctx.is_admin or row.owner == ctx.project_id):
                raise TaskNotFound(id=task_id)
            return plain(row)

    def list_tasks(self, ctx: RequestContext, *, status: str | None = None,
             task_type: str | None = None, limit: int = 25, marker: str | None = None,
             sort_dir: str = "desc") -> list[dict[str, Any]]:
        with self.db.reader() as session:
            stmt = select(ImageTask).where(self._visible(ctx))
            if status:
                stmt = stmt.where(ImageTask.status == status)
            if task_type:
                stmt = stmt.where(ImageTask.type == task_type)
            order = ImageTask.created_at.asc() if sort_dir == "asc" else \
                ImageTask.created_at.desc()
            rows = list(session.execute(stmt.order_by(order, ImageTask.id)).scalars())
        if marker:
            ids = [r.id for r in rows]
            if marker not in ids:
                raise TaskNotFound(id=marker)
            rows = rows[ids.index(marker) + 1:]
        return [plain(r) for r in rows[:limit]]

    def for_image(self, image_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            rows = session.execute(select(ImageTask).where(ImageTask.image_id == image_id)
                                   .order_by(ImageTask.created_at)).scalars()
            return [plain(r) for r in rows]
