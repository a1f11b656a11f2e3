"""The byte moves an import makes: stage a remote source, write the first store (which makes
the image active), copy to further stores, and drop copies again when an import fails."""

from __future__ import annotations

import os
from collections.abc import Iterable

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.diskimage import convert
from nimbus.core.errors import BadRequest, Conflict
from nimbus.image import states
from nimbus.image.db import locations
from nimbus.image.drivers.base import ImageStore
from nimbus.image.manager.capture import Capture
from nimbus.image.manager.data import ImageData


def stage_stream(data: ImageData, image_id: str, chunks: Iterable[bytes]) -> str:
    """Keep a remote source's bytes in staging; the staged location."""
    staged = data.staging.add(image_id, Capture(chunks, data.size_cap))
    if not _record_staging(data, image_id, staged.location, staged.size):
        data.staging.delete(staged.location)
        raise Conflict(f"Image {image_id} was deleted during its import.")
    return staged.location


@retry_on_lock()
def _record_staging(data: ImageData, image_id: str, location: str, size: int) -> bool:
    with data.db.writer() as session:
        row = locations.image_row(session, image_id)
        if row is None:
            return False
        row.staging = location
        row.size = size
        return True


def convert_staged(data: ImageData, image_id: str, target: str) -> None:
    """Convert the staged bytes to ``target`` (``convert``) when the image needs it."""
    with data.db.reader() as session:
        row = locations.image_row(session, image_id)
        disk_format, staged = (row.disk_format, row.staging) if row is not None else (None, None)
    local_path = getattr(data.staging, "local_path", None)
    if not staged or local_path is None or not convert.needed(disk_format, target):
        return
    path = local_path(staged)
    converted = convert.convert(path, str(disk_format), target)
    os.replace(converted, path)
    _record_conversion(data, image_id, target, path.stat().st_size)


@retry_on_lock()
def _record_conversion(data: ImageData, image_id: str, disk_format: str, size: int) -> None:
    with data.db.writer() as session:
        row = locations.image_row(session, image_id)
        if row is None:
            raise Conflict(f"Image {image_id} was deleted during its import.")
        row.disk_format = disk_format
        row.size = size
        row.updated_at = utcnow()


def store_first(data: ImageData, image_id: str, store_id: str, driver: ImageStore,
                chunks: Iterable[bytes]) -> None:
    """Write the first store: inspected like an upload; it sets size and checksums."""
    with data.db.reader() as session:
        row = locations.image_row(session, image_id)
        disk_format = row.disk_format if row is not None else None
    stored, found = data.store_bytes(image_id, disk_format, chunks, driver)
    values = data.stored_values(stored, found)
    if not _activate(data, image_id, store_id, values):
        driver.delete(stored.location)
        raise Conflict(f"Image {image_id} was deleted during its import.")


@retry_on_lock()
def _activate(data: ImageData, image_id: str, store_id: str, values: dict[str, object]) -> bool:
    with data.db.writer() as session:
        row = locations.image_row(session, image_id)
        if row is None or row.status != states.IMPORTING:
            return False
        for key, value in values.items():
            setattr(row, key, value)
        # The image turns active only when every store asked for is done (``import_worker``).
        row.updated_at = utcnow()
        locations.add(session, image_id, store_id, str(values["location"]))
        return True


def store_copy(data: ImageData, image_id: str, store_id: str, driver: ImageStore,
               chunks: Iterable[bytes]) -> None:
    """One more copy of data the image already has; it must hash the same."""
    stored = driver.add(image_id, Capture(chunks, data.size_cap))
    if not _add_copy(data, image_id, store_id, stored.location, stored.checksums.get("md5")):
        driver.delete(stored.location)


@retry_on_lock()
def _add_copy(data: ImageData, image_id: str, store_id: str, url: str,
              md5: str | None) -> bool:
    with data.db.writer() as session:
        row = locations.image_row(session, image_id)
        if row is None:
            return False
        if row.checksum and md5 and row.checksum != md5:
            raise BadRequest(f"The copy in store {store_id} does not match the image checksum.")
        locations.add(session, image_id, store_id, url)
        row.updated_at = utcnow()
        return True


def drop_stores(data: ImageData, image_id: str, store_ids: list[str]) -> None:
    """Remove the image's copies in ``store_ids`` (records first, then bytes)."""
    removed = _forget(data, image_id, store_ids)
    for sid, url in removed.items():
        store = data.stores.by_id.get(sid)
        (store.driver if store is not None else data.store).delete(url)


@retry_on_lock()
def _forget(data: ImageData, image_id: str, store_ids: list[str]) -> dict[str, str]:
    removed: dict[str, str] = {}
    with data.db.writer() as session:
        row = locations.image_row(session, image_id)
        for sid in store_ids:
            url = locations.remove(session, image_id, sid)
            if url:
                removed[sid] = url
        if row is not None and row.location in removed.values():
            session.flush()
            left = locations.of_images(session, [image_id])[image_id]
            order = data.stores.sort(set(left))
            row.location = left[order[0]] if order else None
            row.updated_at = utcnow()
    return removed
