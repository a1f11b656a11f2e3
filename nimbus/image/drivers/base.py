"""The image store contract: where image bytes live, streamed in and out, never held whole."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from nimbus.core.errors import NimbusError, NotFound, register
from nimbus.image.constants import HASH_ALGO

CHUNK_SIZE = 64 * 1024
PARALLEL_DIGEST_MIN = 256 * 1024
# An upload keeps up to three workers busy (two digests and a write); more uploads queue up.
_DIGEST_POOL = ThreadPoolExecutor(max_workers=6, thread_name_prefix="image-digest")


class StoreError(NimbusError):
    code = 503
    title = "Service Unavailable"
    message_format = "The image store failed: {reason}"


register(StoreError)


class ImageDataNotFound(NotFound):
    message_format = "Image data for {id} was not found in the store."


register(ImageDataNotFound)


@dataclass
class StoredImage:
    """What ``add`` reports: the store's location string, the byte count and the digests."""

    location: str
    size: int
    checksums: dict[str, str] = field(default_factory=dict)


class _Lane:
    """One step (a digest's ``update``, a write) applied to chunks in order, one at a time, on
    the shared pool. Once a step fails, the lane skips the rest and reports that failure.

    Nothing here refers back to an earlier chunk's future (the references run forward, and
    only the caller keeps old futures), so a chunk is freed as soon as it is done with rather
    than whenever the cycle collector next runs.
    """

    def __init__(self, step: Callable[[bytes], object]) -> None:
        self.step = step
        self._last: Future[None] | None = None

    def push(self, chunk: bytes) -> Future[None]:
        done: Future[None] = Future()
        before, self._last = self._last, done
        if before is None:
            self._start(None, chunk, done)
        else:   # runs at once if ``before`` is already done
            before.add_done_callback(partial(self._start, chunk=chunk, done=done))
        return done

    def _start(self, before: Future[None] | None, chunk: bytes, done: Future[None]) -> None:
        try:
            _DIGEST_POOL.submit(self._run, before, chunk, done)
        except RuntimeError:    # the interpreter is shutting down: no new pool work
            self._run(before, chunk, done)

    def _run(self, before: Future[None] | None, chunk: bytes, done: Future[None]) -> None:
        failed = before.exception() if before is not None else None
        if failed is not None:
            done.set_exception(failed)
            return
        try:
            self.step(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
            done.set_exception(exc)
        else:
            done.set_result(None)


class Digests:
    """md5 (Glance's ``checksum``) and the ``os_hash_algo`` digest, fed chunk by chunk.

    Both digests cost more CPU than moving the bytes, and hashlib releases the GIL on large
    buffers. So for big chunks each digest runs on the pool in its own lane, and so does
    ``write`` when given (a file's ``write``, say): the three run side by side, each in chunk
    order, while the caller goes back for the next chunk. At most ``IN_FLIGHT`` chunks are
    handed over and unfinished when ``update`` returns, which bounds memory and lets a slow
    lane hold the caller back. A chunk must not change once handed over (``bytes`` never do).
    Errors from ``write`` surface at a later ``update``, at ``wait`` or at ``result``.
    """

    IN_FLIGHT = 2

    def __init__(self, write: Callable[[bytes], object] | None = None) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.multihash = hashlib.new(HASH_ALGO)
        self.size = 0
        self._write = write
        steps: list[Callable[[bytes], object]] = [self.md5.update, self.multihash.update]
        self._lanes = [_Lane(step) for step in (*steps, *([write] if write else []))]
        self._pending: deque[list[Future[None]]] = deque()

    def update(self, chunk: bytes) -> None:
        if len(chunk) >= PARALLEL_DIGEST_MIN:
            self._pending.append([lane.push(chunk) for lane in self._lanes])
            while len(self._pending) > self.IN_FLIGHT:
                self._settle(self._pending.popleft())
        else:
            self.wait()
            self.md5.update(chunk)
            self.multihash.update(chunk)
            if self._write is not None:
                self._write(chunk)
        self.size += len(chunk)

    @staticmethod
    def _settle(group: list[Future[None]]) -> None:
        futures.wait(group)
        for done in group:
            done.result()

    def wait(self) -> None:
        """Let the chunks in flight finish; raise what a ``write`` raised, if anything."""
        while self._pending:
            self._settle(self._pending.popleft())

    def abandon(self) -> None:
        """Wait for the chunks in flight without raising (before closing what ``write`` uses)."""
        while self._pending:
            futures.wait(self._pending.popleft())

    def result(self) -> dict[str, str]:
        self.wait()
        return {"md5": self.md5.hexdigest(), HASH_ALGO: self.multihash.hexdigest()}


class ImageStore(ABC):
    """A place to keep image bytes.

    Capabilities are class attributes that the manager branches on:
    ``supports_range`` (``get`` honours offset/length cheaply), ``is_local`` (locations are
    paths on this host, so a scaled cloud needs shared storage), ``read_only`` (``add`` always
    refuses: the store only reads locations registered on images, e.g. http URLs).
    """

    name: ClassVar[str] = "base"
    description: ClassVar[str] = ""
    supports_range: ClassVar[bool] = True
    is_local: ClassVar[bool] = False
    read_only: ClassVar[bool] = False

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    @abstractmethod
    def add(self, image_id: str, chunks: Iterable[bytes]) -> StoredImage:
        """Write ``chunks`` as ``image_id``'s data as they arrive.

        Returns the location, size and ``{"md5": ..., "sha512": ...}``. On any error (including
        one raised by the iterator itself, e.g. a size cap or a client that went away) nothing
        may be left behind; the error propagates unchanged. Raises ``StoreError`` for store faults.
        """

    @abstractmethod
    def get(self, location: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Yield the bytes at ``location`` from ``offset`` (``length`` bytes, or to the end).

        Raises ``ImageDataNotFound`` when the location holds nothing.
        """

    @abstractmethod
    def delete(self, location: str) -> None:
        """Remove the data at ``location``; a location that is already gone is not an error."""

    def owns(self, location: str) -> bool:
        """Whether ``location`` is one this store could have written (or may read)."""
        return False

    def discard_partial(self, image_id: str, keep: Collection[str] = ()) -> int:
        """Remove what writes of ``image_id`` that never finished left here (a crash mid-write):
        its bytes at any location but ``keep``. How many pieces were removed."""
        return 0

    def size(self, location: str) -> int | None:
        """The byte count at ``location`` without reading it; None when the store can't tell.

        Raises ``ImageDataNotFound`` when the location holds nothing.
        """
        return None

    def capabilities(self) -> dict[str, Any]:
        """What ``/v2/info/stores`` may say about this store."""
        return {"id": self.name, "description": self.description,
                "supports_range": self.supports_range}
