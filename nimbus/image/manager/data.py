"""Image bytes: upload, stage and download, all streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.diskimage import inspect
from nimbus.core.errors import BadRequest, Conflict, Forbidden, Gone, RangeNotSatisfiable
from nimbus.image import states
from nimbus.image.constants import HASH_ALGO
from nimbus.image.db import images as rows
from nimbus.image.db import locations
from nimbus.image.drivers.base import ImageStore, StoredImage
from nimbus.image.manager.capture import Capture
from nimbus.image.manager.images import ImageManager
from nimbus.image.manager.stores import Stores

DEFAULT_SIZE_CAP = 1024**4


@dataclass
class Download:
    chunks: Iterator[bytes] | None
    length: int
    total: int
    offset: int
    partial: bool
    checksum: str | None


class ImageData:
    """Moves bytes between clients, the staging area and the store, driving the status."""

    def __init__(self, manager: ImageManager, size_cap: int = DEFAULT_SIZE_CAP,
                 strict_formats: bool = False) -> None:
        self.manager = manager
        self.db = manager.db
        self.store: ImageStore = manager.store
        self.staging: ImageStore = manager.staging
        self.stores: Stores = manager.stores
        self.size_cap = size_cap
        self.strict_formats = strict_formats

    def _owner(self, ctx: RequestContext, image_id: str) -> str | None:
        owner: str | None = self.manager.get(ctx, image_id)["owner"]
        return owner

    # -- status bookkeeping ----------------------------------------------------------------

    @retry_on_lock()
    def _begin(self, ctx: RequestContext, image_id: str, action: str) -> dict[str, Any]:
        with self.db.writer() as session:
            image = self.manager.visible(session, ctx, image_id)
            if not states.allowed(action, image.status):
                raise Conflict(f"Image status transition from {image.status} to "
                               f"{states.TRANSITIONS[action][1]} is not allowed")
            if action in ("upload", "stage") and (image.disk_format is None or
                                                  image.container_format is None):
                raise BadRequest("Properties disk_format, container_format must be set prior "
                                 "to saving data.")
            states.IMAGE_STATUS.move(image, states.TRANSITIONS[action][1])
            image.updated_at = utcnow()
            return {"disk_format": image.disk_format, "staging": image.staging}

    @retry_on_lock()
    def _revert(self, image_id: str, action: str) -> None:
        with self.db.writer() as session:
            image = rows.get(session, image_id)
            if image is not None and image.status == states.TRANSITIONS[action][1]:
                states.IMAGE_STATUS.move(image, states.ON_FAILURE[action])
                image.staging = None
                image.updated_at = utcnow()

    @retry_on_lock()
    def _finish(self, image_id: str, action: str, values: dict[str, Any],
                store_id: str | None = None) -> bool:
        """Record the result; False when the image was deleted while its bytes moved."""
        with self.db.writer() as session:
            image = rows.get(session, image_id)
            if image is None or image.status != states.TRANSITIONS[action][1]:
                return False
            for key, value in values.items():
                setattr(image, key, value)
            if store_id and values.get("location"):
                locations.add(session, image_id, store_id, values["location"])
            states.IMAGE_STATUS.move(image, states.TRANSITIONS[action][2])
            image.updated_at = utcnow()
            return True

    # -- into the store --------------------------------------------------------------------

    def store_bytes(self, image_id: str, disk_format: str | None, chunks: Iterable[bytes],
                    store: ImageStore | None = None) -> tuple[StoredImage, inspect.Inspection]:
        """Write ``chunks`` to ``store`` (the primary one by default), inspected on the way."""
        target = store or self.store
        inspector = inspect.StreamInspector(disk_format, self.strict_formats)
        stored = target.add(image_id, Capture(chunks, self.size_cap, inspector))
        try:
            found = inspector.finish()
        except BaseException:
            target.delete(stored.location)
            raise
        return stored, found

    @staticmethod
    def stored_values(stored: StoredImage, found: inspect.Inspection) -> dict[str, Any]:
        """The image columns a finished write sets."""
        return {"location": stored.location, "size": stored.size,
                "checksum": stored.checksums.get("md5"), "os_hash_algo": HASH_ALGO,
                "os_hash_value": stored.checksums.get(HASH_ALGO),
                "virtual_size": found.virtual_size}

    def upload(self, ctx: RequestContext, image_id: str, chunks: Iterable[bytes],
               store_id: str | None = None) -> None:
        """``PUT /file``: queued -> saving -> active; back to queued on any failure."""
        store_id, store = self.pick_store(store_id)
        if self.manager.quotas is not None:
            self.manager.quotas.check_upload(self._owner(ctx, image_id))
        info = self._begin(ctx, image_id, "upload")
        try:
            stored, found = self.store_bytes(image_id, info["disk_format"], chunks, store)
        except BaseException:
            self._revert(image_id, "upload")
            raise
        if not self._finish(image_id, "upload", self.stored_values(stored, found), store_id):
            store.delete(stored.location)
            raise Gone(f"Image {image_id} could not be found after upload. The image may have "
                       "been deleted during the upload.")

    def stage(self, ctx: RequestContext, image_id: str, chunks: Iterable[bytes]) -> None:
        """``PUT /stage``: keep the bytes aside until an import; queued -> uploading."""
        if self.manager.quotas is not None:
            self.manager.quotas.check_stage(self._owner(ctx, image_id))
        self._begin(ctx, image_id, "stage")
        try:
            staged = self.staging.add(image_id, Capture(chunks, self.size_cap))
        except BaseException:
            self._revert(image_id, "stage")
            raise
        if not self._finish(image_id, "stage", {"staging": staged.location,
                                                "size": staged.size}):
            self.staging.delete(staged.location)
            raise Gone(f"Image {image_id} was deleted while it was being staged.")

    def pick_store(self, store_id: str | None) -> tuple[str, ImageStore]:
        """The store an upload goes to: the one asked for (400 if unknown) or the default."""
        store = self.stores.get(store_id) if store_id else self.stores.default
        if store.read_only:
            raise BadRequest(f"Store {store.id} is read-only.")
        return store.id, store.driver

    def driver_for(self, image_id: str, location: str) -> ImageStore:
        """The store driver that holds ``location`` (the primary store for older records)."""
        for sid, url in self.manager.stores_of(image_id).items():
            if url == location and sid in self.stores.by_id:
                return self.stores.by_id[sid].driver
        # A registered location (an http URL, say) is read by whichever store owns it.
        owner = self.stores.owner(location)
        if owner is not None:
            return owner.driver
        return self.store

    # -- out of the store ------------------------------------------------------------------

    def download(self, ctx: RequestContext, image_id: str,
                 byte_range: tuple[int | None, int | None] | None) -> Download:
        """The bytes to send (``chunks`` None when the image has no data yet)."""
        image = self.manager.get(ctx, image_id)
        if image["status"] == states.DEACTIVATED and not ctx.is_admin:
            raise Forbidden("The requested image has been deactivated. Image data download is "
                            "forbidden.")
        if not image["location"] or image["status"] not in (states.ACTIVE, states.DEACTIVATED):
            return Download(None, 0, 0, 0, False, None)
        driver = self.driver_for(image_id, image["location"])
        if image["size"] is None and byte_range is None:
            # A registered location whose server gave no length: stream it without one.
            return Download(driver.get(image["location"]), -1, -1, 0, False, image["checksum"])
        total = int(image["size"] or 0)
        offset, length, partial = 0, total, False
        if byte_range is not None:
            offset, length = _resolve_range(byte_range, total)
            partial = True
        chunks = driver.get(image["location"], offset, length)
        return Download(chunks, length, total, offset, partial, image["checksum"])


def _resolve_range(byte_range: tuple[int | None, int | None], total: int) -> tuple[int, int]:
    first, last = byte_range
    if first is None:
        if not last:
            raise RangeNotSatisfiable()
        length = min(last, total)
        return total - length, length
    if first >= total:
        err = RangeNotSatisfiable()
        err.headers["Content-Range"] = f"bytes */{total}"
        raise err
    end = total - 1 if last is None else min(last, total - 1)
    if end < first:
        raise RangeNotSatisfiable()
    return first, end - first + 1
