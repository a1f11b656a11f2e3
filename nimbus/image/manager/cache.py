"""A host-local cache of image data: the base images compute hosts boot from.

Each image is fetched once through the image API (with a service user's credentials, never a
user's token), verified against the image's ``os_hash_value`` (or md5 ``checksum``) while it is
written, and then shared by every instance on the host. Instances hold an entry while they use it
(``acquire``/``release`` or ``use``); when the cache outgrows its size limit, the entries nobody
holds go first, least recently used first. Concurrent requests for one image wait for a single
download instead of starting their own.

The size limit is a target, not a reason to fail a boot: when everything cached is in use, a new
image is still fetched and the cache shrinks again as entries are released.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nimbus.core.errors import BadRequest, Conflict
from nimbus.image.errors import ImageVerificationFailed

if TYPE_CHECKING:
    from nimbus.clients.image import ImageClient

LOG = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024**3
FETCH_CHUNK = 1024 * 1024
# Seconds a partial download may sit unwritten before a start-up takes it for abandoned.
PARTIAL_IDLE = 600.0
_IMAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")

# ``fetch(image_id)`` gives the image record (size, checksum, os_hash_*) and its bytes.
Fetcher = Callable[[str], tuple[dict[str, Any], Iterator[bytes]]]


@dataclass
class Entry:
    image_id: str
    path: Path
    size: int
    last_used: float
    users: int = 0
    hits: int = 0


@dataclass
class _Fill:
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    reserved: int = 0


class ImageCache:
    """LRU-by-size cache of image files under ``root``; safe to share between threads."""

    def __init__(self, root: Path, max_bytes: int, fetch: Fetcher,
                 clock: Callable[[], float] = time.time) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.fetch = fetch
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._fills: dict[str, _Fill] = {}
        root.mkdir(parents=True, exist_ok=True)
        self._adopt()

    def _adopt(self) -> None:
        """Index what a previous run left; half-written files are never trusted. A partial
        file still being written (by another process sharing the directory: an API worker
        filling the node's cache) is left to its writer until it has been idle a while."""
        stale = time.time() - PARTIAL_IDLE
        for path in self.root.iterdir():
            if path.name.startswith("."):
                try:
                    if path.is_file() and path.stat().st_mtime < stale:
                        path.unlink(missing_ok=True)
                except OSError:
                    continue
            elif path.is_file() and _IMAGE_ID.match(path.name):
                stat = path.stat()
                self._entries[path.name] = Entry(path.name, path, stat.st_size, stat.st_mtime)

    def refresh(self) -> None:
        """Index what other processes sharing the directory cached or removed meanwhile."""
        found: dict[str, os.stat_result] = {}
        for path in self.root.iterdir():
            if _IMAGE_ID.match(path.name):
                try:
                    found[path.name] = path.stat()
                except OSError:
                    continue
        with self._lock:
            for name, stat in found.items():
                if name not in self._entries:
                    self._entries[name] = Entry(name, self.root / name, stat.st_size,
                                                stat.st_mtime)
            for name in [n for n, e in self._entries.items() if n not in found and not e.users]:
                del self._entries[name]

    # -- reading ---------------------------------------------------------------------------

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return sum(e.size for e in self._entries.values())

    def entries(self) -> list[Entry]:
        """Copies of the entries held, least recently used first."""
        with self._lock:
            found = sorted(self._entries.values(), key=lambda e: e.last_used)
            return [Entry(e.image_id, e.path, e.size, e.last_used, e.users, e.hits)
                    for e in found]

    def cached(self) -> list[str]:
        """Image ids held, least recently used first."""
        with self._lock:
            return [e.image_id for e in sorted(self._entries.values(), key=lambda e: e.last_used)]

    # -- using -----------------------------------------------------------------------------

    def acquire(self, image_id: str) -> Path:
        """The local file of ``image_id``, fetched if needed; held until ``release``."""
        if not _IMAGE_ID.match(image_id):
            raise BadRequest(f"Invalid image id '{image_id}'.")
        while True:
            with self._lock:
                entry = self._entries.get(image_id)
                if entry is not None:
                    entry.users += 1
                    entry.hits += 1
                    entry.last_used = self.clock()
                    return entry.path
                fill = self._fills.get(image_id)
                leader = fill is None
                if fill is None:
                    fill = self._fills[image_id] = _Fill()
            if leader:
                return self._fill(image_id, fill)
            fill.done.wait()
            if fill.error is not None:
                raise fill.error

    def release(self, image_id: str) -> None:
        with self._lock:
            entry = self._entries.get(image_id)
            if entry is not None and entry.users > 0:
                entry.users -= 1
                entry.last_used = self.clock()
        self.evict()

    @contextmanager
    def use(self, image_id: str) -> Iterator[Path]:
        path = self.acquire(image_id)
        try:
            yield path
        finally:
            self.release(image_id)

    def remove(self, image_id: str) -> None:
        """Drop one image (e.g. deleted upstream); refused while an instance holds it."""
        with self._lock:
            entry = self._entries.get(image_id)
            if entry is None:
                return
            if entry.users:
                raise Conflict(f"Cached image {image_id} is in use.")
            del self._entries[image_id]
        entry.path.unlink(missing_ok=True)

    def evict(self, needed: int = 0) -> list[str]:
        """Remove unheld entries, least recently used first, until ``needed`` more bytes fit."""
        gone: list[Entry] = []
        with self._lock:
            total = sum(e.size for e in self._entries.values()) + \
                sum(f.reserved for f in self._fills.values())
            for entry in sorted(self._entries.values(), key=lambda e: e.last_used):
                if total + needed <= self.max_bytes:
                    break
                if entry.users:
                    continue
                del self._entries[entry.image_id]
                total -= entry.size
                gone.append(entry)
        for entry in gone:
            entry.path.unlink(missing_ok=True)
            LOG.info("evicted image %s (%d bytes) from the cache", entry.image_id, entry.size)
        return [e.image_id for e in gone]

    # -- filling ---------------------------------------------------------------------------

    def _fill(self, image_id: str, fill: _Fill) -> Path:
        try:
            path, size = self._download(image_id, fill)
        except BaseException as exc:
            with self._lock:
                self._fills.pop(image_id, None)
            fill.error = exc
            fill.done.set()
            raise
        with self._lock:
            self._entries[image_id] = Entry(image_id, path, size, self.clock(), users=1)
            self._fills.pop(image_id, None)
        fill.done.set()
        return path

    def _download(self, image_id: str, fill: _Fill) -> tuple[Path, int]:
        record, chunks = self.fetch(image_id)
        if record.get("status") not in (None, "active"):
            raise Conflict(f"Image {image_id} is {record.get('status')}, not active.")
        expected = int(record.get("size") or 0)
        fill.reserved = expected
        self.evict()
        if self.total_bytes + expected > self.max_bytes:
            LOG.warning("image cache over its %d-byte limit: every entry is in use",
                        self.max_bytes)
        algo = record.get("os_hash_algo") if record.get("os_hash_value") else None
        multihash = hashlib.new(algo) if algo else None
        md5 = hashlib.md5(usedforsecurity=False) if record.get("checksum") and not algo else None
        final = self.root / image_id
        partial = self.root / f".{image_id}.{uuid.uuid4().hex}.part"
        size = 0
        try:
            with open(partial, "wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if multihash is not None:
                        multihash.update(chunk)
                    if md5 is not None:
                        md5.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            reason = _mismatch(record, size, multihash, md5)
            if reason:
                raise ImageVerificationFailed(id=image_id, reason=reason)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        return final, size


def _mismatch(record: dict[str, Any], size: int, multihash: Any, md5: Any) -> str | None:
    if record.get("size") is not None and int(record["size"]) != size:
        return f"expected {record['size']} bytes, got {size}"
    if multihash is not None and multihash.hexdigest() != record["os_hash_value"]:
        return f"{record['os_hash_algo']} digest does not match os_hash_value"
    if md5 is not None and md5.hexdigest() != record["checksum"]:
        return "md5 digest does not match checksum"
    return None


class ApiFetcher:
    """Fetches through the image API's ``GET /v2/images/{id}`` and ``/file``, streamed."""

    def __init__(self, client: ImageClient) -> None:
        self.client = client

    def __call__(self, image_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        record = self.client.get_image(image_id)
        resp = self.client.session.get(
            f"/v2/images/{image_id}/file", stream=True, raise_exc=False,
            endpoint_filter={"service_type": "image", "interface": "public",
                             "region_name": self.client.cloud.settings.region})
        if resp.status_code != 200:
            resp.close()
            raise Conflict(f"Image {image_id} has no data to fetch ({resp.status_code}).")
        return record, _chunks(resp)


def _chunks(resp: Any) -> Iterator[bytes]:
    try:
        yield from resp.iter_content(FETCH_CHUNK)
    finally:
        resp.close()
