"""Image sharing: the projects a ``shared`` image is offered to, and their answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded
from nimbus.image.db.models import ImageMember
from nimbus.image.manager import ImageManager

MEMBER_QUOTA = 128
MEMBER_STATUSES = ("pending", "accepted", "rejected")


def _plain(row: ImageMember) -> dict[str, Any]:
    return {"image_id": row.image_id, "member": row.member, "status": row.status,
            "created_at": row.created_at, "updated_at": row.updated_at}


class MemberManager:
    def __init__(self, images: ImageManager) -> None:
        self.images = images
        self.db = images.db

    def list_members(self, ctx: RequestContext, image: dict[str, Any]) -> list[dict[str, Any]]:
        """The owner (and admins) see every member; a member sees only itself."""
        with self.db.reader() as session:
            stmt = select(ImageMember).where(ImageMember.image_id == image["id"])
            if not ctx.is_admin and image["owner"] != ctx.project_id:
                stmt = stmt.where(ImageMember.member == (ctx.project_id or ""))
            rows = session.execute(stmt.order_by(ImageMember.created_at)).scalars()
            return [_plain(r) for r in rows]

    def get(self, ctx: RequestContext, image: dict[str, Any], member: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = session.get(ImageMember, (image["id"], member))
            hidden = not ctx.is_admin and image["owner"] != ctx.project_id and \
                member != ctx.project_id
            if row is None or hidden:
                raise NotFound(f"Member {member} not found for image {image['id']}.")
            return _plain(row)

    @retry_on_lock()
    def add(self, image: dict[str, Any], member: Any) -> dict[str, Any]:
        if not isinstance(member, str) or not member or len(member) > 255:
            raise BadRequest("Member to be added not specified or invalid.")
        if image["visibility"] != "shared":
            raise Forbidden(f"Image {image['id']} is not a shared image; only shared images "
                            "have members.")
        with self.db.writer() as session:
            if session.get(ImageMember, (image["id"], member)) is not None:
                raise Conflict(f"Member {member} already has membership on image "
                               f"{image['id']}.")
            count = len(session.execute(select(ImageMember.member).where(
                ImageMember.image_id == image["id"])).all())
            if count >= MEMBER_QUOTA:
                raise QuotaExceeded(resource="image members", requested=count + 1,
                                    limit=MEMBER_QUOTA)
            now = utcnow()
            row = ImageMember(image_id=image["id"], member=member, status="pending",
                              created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return _plain(row)

    @retry_on_lock()
    def update(self, image: dict[str, Any], member: str, status: Any) -> dict[str, Any]:
        if status not in MEMBER_STATUSES:
            raise BadRequest(f"Invalid status: {status}")
        with self.db.writer() as session:
            row = session.get(ImageMember, (image["id"], member))
            if row is None:
                raise NotFound(f"Member {member} not found for image {image['id']}.")
            row.status = status
            row.updated_at = utcnow()
            session.flush()
            return _plain(row)

    @retry_on_lock()
    def delete(self, image: dict[str, Any], member: str) -> None:
        with self.db.writer() as session:
            row = session.get(ImageMember, (image["id"], member))
            if row is None:
                raise NotFound(f"Member {member} not found for image {image['id']}.")
            session.delete(row)
