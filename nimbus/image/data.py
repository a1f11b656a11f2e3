"""Image bytes: upload, stage and import, and download, all streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.diskimage import inspect
from nimbus.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    PayloadTooLarge,
    RangeNotSatisfiable,
)
from nimbus.image import locations, states
from nimbus.image.db.models import Image
from nimbus.image.drivers.base import HASH_ALGO, ImageStore, StoredImage
from nimbus.image.manager import ImageManager

if TYPE_CHECKING:
    from nimbus.image.imports import Importer
    from nimbus.image.stores import Stores

DEFAULT_SIZE_CAP = 1024**4
IMPORT_METHODS = ("glance-direct",)


class Capture:
    """Passes chunks through, enforcing a size cap and showing each chunk to the inspector.

    The inspector may refuse mid-stream; the store then drops what it wrote so far.
    """

    def __init__(self, chunks: Iterable[bytes], cap: int,
                 inspector: inspect.StreamInspector | None = None) -> None:
        self.chunks = chunks
        self.cap = cap
        self.inspector = inspector
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        feed = self.inspector.feed if self.inspector is not None else None
        for chunk in self.chunks:
            self.size += len(chunk)
            if self.size > self.cap:
                raise PayloadTooLarge(reason=f"Image exceeds the storage limit of {self.cap} "
                                             "bytes.")
            if feed is not None:
                feed(chunk)
            yield chunk


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
        self.size_cap = size_cap
        self.strict_formats = strict_formats
        # Set by the service: the multi-store registry and the background importer.
        self.stores: Stores | None = None
        self.importer: Importer | None = None

    def _quota(self, check: str, ctx: RequestContext, image_id: str, *args: Any) -> None:
        """Run the manager's quota ``check`` for the owner of the image (if quotas are on)."""
        quotas = self.manager.quotas
        if quotas is not None:
            owner = self.manager.get(ctx, image_id)["owner"]
            getattr(quotas, check)(owner, *args)

    # -- status bookkeeping ----------------------------------------------------------------

    @retry_on_lock()
    def _begin(self, ctx: RequestContext, image_id: str, action: str) -> dict[str, Any]:
        with self.db.writer() as session:
            image = self.manager._visible(session, ctx, image_id)
            if not states.allowed(action, image.status):
                raise Conflict(f"Image status transition from {image.status} to "
                               f"{states.TRANSITIONS[action][1]} is not allowed")
            if action in ("upload", "stage") and (image.disk_format is None or
                                                  image.container_format is None):
                raise BadRequest("Properties disk_format, container_format must be set prior "
                                 "to saving data.")
            image.status = states.TRANSITIONS[action][1]
            image.updated_at = utcnow()
            return {"disk_format": image.disk_format, "staging": image.staging}

    @retry_on_lock()
    def _revert(self, image_id: str, action: str) -> None:
        with self.db.writer() as session:
            image = session.get(Image, image_id)
            if image is not None and image.status == states.TRANSITIONS[action][1]:
                image.status = states.ON_FAILURE[action]
                image.staging = None
                image.updated_at = utcnow()

    @retry_on_lock()
    def _finish(self, image_id: str, action: str, values: dict[str, Any],
                store_id: str | None = None) -> bool:
        """Record the result; False when the image was deleted while its bytes moved."""
        with self.db.writer() as session:
            image = session.get(Image, image_id)
            if image is None or image.status != states.TRANSITIONS[action][1]:
                return False
            for key, value in values.items():
                setattr(image, key, value)
            if store_id and values.get("location"):
                locations.add(session, image_id, store_id, values["location"])
            image.status = states.TRANSITIONS[action][2]
            image.updated_at = utcnow()
            return True

    # -- into the store --------------------------------------------------------------------

    def _store(self, image_id: str, disk_format: str | None, chunks: Iterable[bytes],
               store: ImageStore | None = None) -> tuple[StoredImage, inspect.Inspection]:
        target = store or self.store
        inspector = inspect.StreamInspector(disk_format, self.strict_formats)
        stored = target.add(image_id, Capture(chunks, self.size_cap, inspector))
        try:
            found = inspector.finish()
        except BaseException:
            target.delete(stored.location)
            raise
        return stored, found

    def _stored_values(self, stored: StoredImage, found: inspect.Inspection) -> dict[str, Any]:
        return {"location": stored.location, "size": stored.size,
                "checksum": stored.checksums.get("md5"), "os_hash_algo": HASH_ALGO,
                "os_hash_value": stored.checksums.get(HASH_ALGO),
                "virtual_size": found.virtual_size}

    def upload(self, ctx: RequestContext, image_id: str, chunks: Iterable[bytes],
               store_id: str | None = None) -> None:
        """``PUT /file``: queued -> saving -> active; back to queued on any failure."""
        store_id, store = self.pick_store(store_id)
        self._quota("check_upload", ctx, image_id)
        info = self._begin(ctx, image_id, "upload")
        try:
            stored, found = self._store(image_id, info["disk_format"], chunks, store)
        except BaseException:
            self._revert(image_id, "upload")
            raise
        if not self._finish(image_id, "upload", self._stored_values(stored, found), store_id):
            store.delete(stored.location)
            raise Gone(f"Image {image_id} could not be found after upload. The image may have "
                       "been deleted during the upload.")

    def stage(self, ctx: RequestContext, image_id: str, chunks: Iterable[bytes]) -> None:
        """``PUT /stage``: keep the bytes aside until an import; queued -> uploading."""
        self._quota("check_stage", ctx, image_id)
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

    def import_image(self, ctx: RequestContext, image_id: str, body: Any,
                     store_id: str | None = None) -> dict[str, Any]:
        """``POST /import``: validated here, the bytes move in the background (``imports``)."""
        if self.importer is None:
            raise Conflict("Image import is not available.")
        image = self.manager.get(ctx, image_id)
        if self.manager.quotas is not None:
            method = body.get("method") if isinstance(body, dict) else None
            name = method.get("name") if isinstance(method, dict) else None
            self.manager.quotas.check_import(image["owner"], name)
        task: dict[str, Any] = self.importer.start(ctx, image, body, store_id)
        return task

    def pick_store(self, store_id: str | None) -> tuple[str, ImageStore]:
        """The store an upload goes to: the one asked for (400 if unknown) or the default."""
        if self.stores is None:
            if store_id and store_id != self.store.name:
                raise BadRequest(f"Unknown store '{store_id}'.")
            return self.store.name, self.store
        store = self.stores.get(store_id) if store_id else self.stores.default
        if store.read_only:
            raise BadRequest(f"Store {store.id} is read-only.")
        return store.id, store.driver

    def driver_for(self, image_id: str, location: str) -> ImageStore:
        """The store driver that holds ``location`` (the primary store for older records)."""
        if self.stores is not None:
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
