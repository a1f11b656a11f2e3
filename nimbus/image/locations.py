"""Which stores hold an image, and the import bookkeeping properties Glance shows on it.

``os_glance_importing_to_stores`` and ``os_glance_failed_import`` are reserved properties the
service itself maintains while an import or copy runs; clients read them but never set them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.image.db.models import Image, ImageLocation, ImageProperty

IMPORTING = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"
TASK = "os_glance_import_task"


def of_images(session: Session, image_ids: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {i: {} for i in image_ids}
    if image_ids:
        rows = session.execute(select(ImageLocation).where(ImageLocation.image_id.in_(image_ids))
                               .order_by(ImageLocation.created_at)).scalars()
        for row in rows:
            found[row.image_id][row.store] = row.url
    return found


def add(session: Session, image_id: str, store: str, url: str) -> None:
    row = session.get(ImageLocation, (image_id, store))
    if row is None:
        session.add(ImageLocation(image_id=image_id, store=store, url=url, created_at=utcnow()))
    else:
        row.url = url


def remove(session: Session, image_id: str, store: str) -> str | None:
    row = session.get(ImageLocation, (image_id, store))
    if row is None:
        return None
    url = row.url
    session.delete(row)
    return url


def remove_all(session: Session, image_id: str) -> dict[str, str]:
    found = of_images(session, [image_id])[image_id]
    session.execute(delete(ImageLocation).where(ImageLocation.image_id == image_id))
    return found


def set_properties(session: Session, image_id: str, values: dict[str, str | None]) -> None:
    """Set (or, for None, drop) service-maintained properties, bypassing the reserved check."""
    for name, value in values.items():
        row = session.get(ImageProperty, (image_id, name))
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(ImageProperty(image_id=image_id, name=name, value=value))
        else:
            row.value = value


def get_property(session: Session, image_id: str, name: str) -> str | None:
    row = session.get(ImageProperty, (image_id, name))
    return None if row is None else row.value


def split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def image_row(session: Session, image_id: str) -> Image | None:
    return session.get(Image, image_id)


def summary(row: Any) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "owner": row.owner, "size": row.size,
            "checksum": row.checksum, "disk_format": row.disk_format,
            "container_format": row.container_format, "location": row.location,
            "staging": row.staging}
