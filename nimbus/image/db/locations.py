"""Which stores hold an image (its ``locations`` list), and the reserved properties the
service maintains on it while an import or copy runs (``constants.IMPORTING``...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.image.db.models import Image, ImageLocation, ImageProperty, ImageUrlLocation


@dataclass
class Entry:
    """One item of an image's ``locations`` list: a store copy or a registered URL."""

    url: str
    store: str
    metadata: dict[str, Any] = field(default_factory=dict)
    # "copy": bytes the service wrote (``ImageLocation``); "url": registered (``ImageUrlLocation``).
    kind: str = "copy"
    key: str = ""


def _order(row: Any, rank: int) -> tuple[int, Any, int]:
    # Rows written before positions existed keep their creation order, ahead of the rest.
    return (-1 if row.position is None else row.position, row.created_at, rank)


def listings(session: Session, image_ids: list[str]) -> dict[str, list[Entry]]:
    """Every image's locations, in list order."""
    rows: dict[str, list[tuple[tuple[int, Any, int], Entry]]] = {i: [] for i in image_ids}
    if image_ids:
        for copy in session.execute(select(ImageLocation).where(
                ImageLocation.image_id.in_(image_ids))).scalars():
            rows[copy.image_id].append((_order(copy, 0), Entry(
                copy.url, copy.store, dict(copy.meta or {"store": copy.store}), "copy",
                copy.store)))
        for reg in session.execute(select(ImageUrlLocation).where(
                ImageUrlLocation.image_id.in_(image_ids))).scalars():
            rows[reg.image_id].append((_order(reg, 1), Entry(
                reg.url, reg.store, dict(reg.meta or {}), "url", reg.id)))
    return {i: [e for _k, e in sorted(found, key=lambda p: p[0])] for i, found in rows.items()}


def listing(session: Session, image_id: str) -> list[Entry]:
    return listings(session, [image_id])[image_id]


def by_store(entries: list[Entry]) -> dict[str, str]:
    """Store id -> location: each store's copy, else the first URL that store reads."""
    found: dict[str, str] = {}
    for entry in sorted(entries, key=lambda e: e.kind != "copy"):
        found.setdefault(entry.store, entry.url)
    return found


def of_images(session: Session, image_ids: list[str]) -> dict[str, dict[str, str]]:
    return {i: by_store(entries) for i, entries in listings(session, image_ids).items()}


def _next_position(session: Session, image_id: str) -> int:
    highest = -1
    for model in (ImageLocation, ImageUrlLocation):
        value = session.execute(select(func.max(model.position)).where(
            model.image_id == image_id)).scalar()
        if value is not None:
            highest = max(highest, int(value))
    return highest + 1


def add(session: Session, image_id: str, store: str, url: str) -> None:
    row = session.get(ImageLocation, (image_id, store))
    if row is None:
        session.add(ImageLocation(image_id=image_id, store=store, url=url, created_at=utcnow(),
                                  position=_next_position(session, image_id)))
    else:
        row.url = url


def add_url(session: Session, image_id: str, store: str, url: str,
            metadata: dict[str, Any]) -> None:
    """Register ``url`` at the end of the image's list."""
    save(session, image_id, [*listing(session, image_id), Entry(url, store, metadata, "new")])


def save(session: Session, image_id: str, entries: list[Entry]) -> None:
    """Write ``entries`` as the image's list: register the new ones, then store the order."""
    for entry in entries:
        if entry.kind == "new":
            row = ImageUrlLocation(image_id=image_id, store=entry.store, url=entry.url,
                                   meta=dict(entry.metadata), created_at=utcnow(), position=0)
            session.add(row)
            session.flush()
            entry.kind, entry.key = "url", row.id
    renumber(session, image_id, entries)


def _row(session: Session, image_id: str, entry: Entry) -> Any:
    if entry.kind == "copy":
        return session.get(ImageLocation, (image_id, entry.key))
    return session.get(ImageUrlLocation, entry.key)


def renumber(session: Session, image_id: str, entries: list[Entry]) -> None:
    """Store ``entries`` order (and their metadata) as the image's list order."""
    for position, entry in enumerate(entries):
        row = _row(session, image_id, entry)
        if row is not None:
            row.position = position
            row.meta = dict(entry.metadata)


def remove_entry(session: Session, image_id: str, entry: Entry) -> None:
    row = _row(session, image_id, entry)
    if row is not None:
        session.delete(row)


def remove(session: Session, image_id: str, store: str) -> str | None:
    row = session.get(ImageLocation, (image_id, store))
    if row is None:
        return None
    url = row.url
    session.delete(row)
    return url


def remove_all(session: Session, image_id: str) -> dict[str, str]:
    """Forget every location; the store copies (whose bytes the caller deletes) by store."""
    found = {e.store: e.url for e in listing(session, image_id) if e.kind == "copy"}
    session.execute(delete(ImageLocation).where(ImageLocation.image_id == image_id))
    session.execute(delete(ImageUrlLocation).where(ImageUrlLocation.image_id == image_id))
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
