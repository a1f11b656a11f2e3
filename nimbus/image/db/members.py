"""Image member rows: the projects an image is shared with."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.image.db.models import ImageMember


def listed(session: Session, image_id: str, only: str | None = None) -> list[ImageMember]:
    """The image's members, oldest first (``only``: just that one project's membership)."""
    stmt = select(ImageMember).where(ImageMember.image_id == image_id)
    if only is not None:
        stmt = stmt.where(ImageMember.member == only)
    return list(session.execute(stmt.order_by(ImageMember.created_at)).scalars())


def get(session: Session, image_id: str, member: str) -> ImageMember | None:
    return session.get(ImageMember, (image_id, member))


def count(session: Session, image_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(ImageMember).where(
        ImageMember.image_id == image_id)) or 0)
