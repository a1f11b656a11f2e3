"""What a project uses of the image quotas, counted in the image table."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.image.db.models import Image


def usage(session: Session, project_id: str,
          taking_data: Iterable[str]) -> tuple[int, int, int, int]:
    """(images owned, bytes stored, bytes staged, images in ``taking_data`` statuses)."""
    owned = Image.owner == project_id
    count = session.scalar(select(func.count()).select_from(Image).where(owned)) or 0
    stored = session.scalar(select(func.coalesce(func.sum(Image.size), 0)).where(
        owned, Image.location.is_not(None))) or 0
    staged = session.scalar(select(func.coalesce(func.sum(Image.size), 0)).where(
        owned, Image.staging.is_not(None))) or 0
    uploading = session.scalar(select(func.count()).select_from(Image).where(
        owned, Image.status.in_(list(taking_data)))) or 0
    return int(count), int(stored), int(staged), int(uploading)
