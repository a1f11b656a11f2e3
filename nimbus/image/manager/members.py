"""Image sharing: the projects a ``shared`` image is offered to, and their answers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict, Forbidden, NotFound, QuotaExceeded
from nimbus.image import states
from nimbus.image.constants import MEMBER_QUOTA
from nimbus.image.db import members as rows
from nimbus.image.db.models import ImageMember


def _plain(row: ImageMember) -> dict[str, Any]:
    return {"image_id": row.image_id, "member": row.member, "status": row.status,
            "created_at": row.created_at, "updated_at": row.updated_at}


class MemberManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list_members(self, ctx: RequestContext, image: dict[str, Any]) -> list[dict[str, Any]]:
        """The owner (and admins) see every member; a member sees only itself."""
        only = None
        if not ctx.is_admin and image["owner"] != ctx.project_id:
            only = ctx.project_id or ""
        with self.db.reader() as session:
            return [_plain(r) for r in rows.listed(session, image["id"], only)]

    def get(self, ctx: RequestContext, image: dict[str, Any], member: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = rows.get(session, image["id"], member)
            hidden = not ctx.is_admin and image["owner"] != ctx.project_id and \
                member != ctx.project_id
            if row is None or hidden:
                raise NotFound(f"Member {member} not found for image {image['id']}.")
            return _plain(row)

    @retry_on_lock()
    def add(self, image: dict[str, Any], member: str) -> dict[str, Any]:
        if image["visibility"] != "shared":
            raise Forbidden(f"Image {image['id']} is not a shared image; only shared images "
                            "have members.")
        with self.db.writer() as session:
            if rows.get(session, image["id"], member) is not None:
                raise Conflict(f"Member {member} already has membership on image "
                               f"{image['id']}.")
            count = rows.count(session, image["id"])
            if count >= MEMBER_QUOTA:
                raise QuotaExceeded(resource="image members", requested=count + 1,
                                    limit=MEMBER_QUOTA)
            now = utcnow()
            row = ImageMember(image_id=image["id"], member=member,
                              status=states.MEMBER_STATUS.start(states.MEMBER_PENDING),
                              created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return _plain(row)

    @retry_on_lock()
    def update(self, image: dict[str, Any], member: str, status: str) -> dict[str, Any]:
        with self.db.writer() as session:
            row = rows.get(session, image["id"], member)
            if row is None:
                raise NotFound(f"Member {member} not found for image {image['id']}.")
            states.MEMBER_STATUS.move(row, status, id_attr="member")
            row.updated_at = utcnow()
            session.flush()
            return _plain(row)

    @retry_on_lock()
    def delete(self, image: dict[str, Any], member: str) -> None:
        with self.db.writer() as session:
            row = rows.get(session, image["id"], member)
            if row is None:
                raise NotFound(f"Member {member} not found for image {image['id']}.")
            session.delete(row)
