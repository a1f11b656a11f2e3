"""This API node's image cache, as Glance's cache API (2.14+) manages it.

Each node running the image API keeps its own cache (``ImageCache`` under
``<state_dir>/image-api-cache/<host>-<port>``), so two API nodes sharing one database still
cache independently. An operator queues an active image; a worker then fetches it from the store
(verified against its checksums, like any cache fill) and it moves from ``queued_images`` to
``cached_images``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from nimbus.conf.settings import Settings
from nimbus.core.api.context import RequestContext
from nimbus.core.errors import BadRequest, Conflict
from nimbus.image import states
from nimbus.image.manager.cache import ImageCache
from nimbus.image.manager.data import ImageData

LOG = logging.getLogger(__name__)
CLEAR_TARGETS = ("cache", "queue")


def cache_root(settings: Settings) -> Path:
    """Where this node's cache lives: one directory per API listener address."""
    node = f"{settings.host}-{settings.port}".replace(":", "_").replace("/", "_")
    return Path(settings.state_dir) / "image-api-cache" / node


class StoreFetcher:
    """Reads an image's record and bytes straight from this service's own store."""

    def __init__(self, data: ImageData) -> None:
        self.data = data

    def __call__(self, image_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        ctx = RequestContext.admin()
        record = self.data.manager.get(ctx, image_id)
        download = self.data.download(ctx, image_id, None)
        if download.chunks is None:
            raise Conflict(f"Image {image_id} has no data to cache.")
        return record, download.chunks


class NodeCache:
    """The queue of images to cache and the cache itself; one worker fills it."""

    def __init__(self, data: ImageData, cache: ImageCache, workers: int = 1) -> None:
        self.data = data
        self.cache = cache
        self._lock = threading.Lock()
        self._queued: dict[str, None] = {}
        # The node's queue as every API process of the node sees it: one empty file per image
        # queued, beside the cache (a process fills what it queued itself).
        self.queue_dir = cache.root.parent / f"{cache.root.name}.queue"
        self.queue_dir.mkdir(parents=True, exist_ok=True)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-cache")

    @classmethod
    def under(cls, root: Path, max_bytes: int, data: ImageData) -> NodeCache:
        """This node's cache under ``root`` (``cache_root``), filled from the image's store."""
        return cls(data, ImageCache(root, max_bytes, StoreFetcher(data)))

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def listing(self) -> dict[str, Any]:
        """``GET /v2/cache``: what is cached (with its use) and what waits to be."""
        self.cache.refresh()
        cached = [{"image_id": e.image_id, "hits": e.hits, "last_accessed": e.last_used,
                   "last_modified": _mtime(e.path), "size": e.size}
                  for e in self.cache.entries()]
        with self._lock:
            queued = list(self._queued)
        queued += sorted(p.name for p in self.queue_dir.iterdir() if p.name not in queued)
        return {"cached_images": cached, "queued_images": queued}

    def _mark(self, image_id: str, queued: bool) -> None:
        marker = self.queue_dir / image_id
        if queued:
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    def queue(self, ctx: RequestContext, image_id: str) -> None:
        """Queue an active image for caching (400 for any other status, 404 when unknown)."""
        image = self.data.manager.get(ctx, image_id)
        if image["status"] != states.ACTIVE:
            raise BadRequest(f"Only images with status active can be targeted for caching; "
                             f"image {image_id} is {image['status']}.")
        self.cache.refresh()
        if image_id in self.cache.cached():
            return
        with self._lock:
            if image_id in self._queued:
                return
            self._queued[image_id] = None
        self._mark(image_id, True)
        self.pool.submit(self._fill, image_id)

    def _fill(self, image_id: str) -> None:
        with self._lock:
            if image_id not in self._queued:
                return  # dequeued meanwhile
        try:
            self.cache.acquire(image_id)
            self.cache.release(image_id)
        except Exception as exc:  # noqa: BLE001 - a failed fill leaves nothing behind
            LOG.warning("caching image %s failed: %s", image_id, exc)
        finally:
            with self._lock:
                self._queued.pop(image_id, None)
            self._mark(image_id, False)

    def delete(self, ctx: RequestContext, image_id: str) -> None:
        """Drop one image from the cache and the queue (404 when the image is unknown)."""
        self.data.manager.get(ctx, image_id)
        self.forget(image_id)

    def forget(self, image_id: str) -> None:
        with self._lock:
            self._queued.pop(image_id, None)
        self._mark(image_id, False)
        self.cache.refresh()
        self.cache.remove(image_id)

    def clear(self, target: str | None) -> None:
        """Empty the cache, the queue, or (no target) both."""
        if target and target not in CLEAR_TARGETS:
            raise BadRequest(f"Invalid value '{target}' for the x-image-cache-clear-target "
                             f"header; use one of: {', '.join(CLEAR_TARGETS)}.")
        if target in (None, "", "queue"):
            with self._lock:
                self._queued.clear()
            for marker in self.queue_dir.iterdir():
                marker.unlink(missing_ok=True)
        if target in (None, "", "cache"):
            self.cache.refresh()
            for image_id in self.cache.cached():
                try:
                    self.cache.remove(image_id)
                except Conflict:
                    LOG.info("cached image %s is in use; kept", image_id)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
