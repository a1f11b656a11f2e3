"""Task rows: the record of each asynchronous import, copy or location read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import NimbusError
from nimbus.image.db.models import ImageTask

SORT_COLUMNS: dict[str, Any] = {
    "id": ImageTask.id, "type": ImageTask.type, "status": ImageTask.status,
    "created_at": ImageTask.created_at, "updated_at": ImageTask.updated_at,
}
SORT_KEYS = tuple(SORT_COLUMNS)


def get(session: Session, task_id: str) -> ImageTask | None:
    return session.get(ImageTask, task_id)


def list_page(session: Session, owner: str | None, query: PageQuery, *,
              status: str | None, task_type: str | None, max_limit: int,
              bad_marker: Callable[[str], NimbusError]) -> Page[ImageTask]:
    """One page of tasks (``owner`` None: every project's), newest first by default."""
    stmt = select(ImageTask)
    if owner is not None:
        stmt = stmt.where(ImageTask.owner == owner)
    if status:
        stmt = stmt.where(ImageTask.status == status)
    if task_type:
        stmt = stmt.where(ImageTask.type == task_type)
    found: Page[ImageTask] = page(session, stmt, query, columns=SORT_COLUMNS,
                                  default_sort=(("created_at", "desc"),), max_limit=max_limit,
                                  bad_marker=bad_marker)
    return found


def for_image(session: Session, image_id: str) -> list[ImageTask]:
    return list(session.execute(select(ImageTask).where(ImageTask.image_id == image_id)
                                .order_by(ImageTask.created_at)).scalars())


def unfinished(session: Session, statuses: tuple[str, ...], before: Any) -> list[ImageTask]:
    """Tasks still in one of ``statuses`` that nothing touched since ``before``, oldest first."""
    return list(session.execute(select(ImageTask).where(
        ImageTask.status.in_(statuses), ImageTask.updated_at < before)
        .order_by(ImageTask.created_at)).scalars())
