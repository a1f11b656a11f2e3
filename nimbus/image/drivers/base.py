"""The image store contract: where image bytes live, streamed in and out, never held whole."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

from nimbus.core.errors import NimbusError, NotFound, register

CHUNK_SIZE = 64 * 1024
HASH_ALGO = "sha512"
PARALLEL_DIGEST_MIN = 256 * 1024
_DIGEST_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="image-digest")


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


class Digests:
    """md5 (Glance's ``checksum``) and the ``os_hash_algo`` digest, fed chunk by chunk.

    Both digests cost more CPU than moving the bytes. hashlib releases the GIL on large
    buffers, so for big chunks md5 runs on a helper thread while the caller computes the other
    digest (and then writes the chunk): one chunk in flight keeps the order and bounds memory.
    """

    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.multihash = hashlib.new(HASH_ALGO)
        self.size = 0
        self._md5_pending: Future[None] | None = None

    def update(self, chunk: bytes) -> None:
        self._settle()
        if len(chunk) >= PARALLEL_DIGEST_MIN:
            self._md5_pending = _DIGEST_POOL.submit(self.md5.update, chunk)
        else:
            self.md5.update(chunk)
        self.multihash.update(chunk)
        self.size += len(chunk)

    def _settle(self) -> None:
        if self._md5_pending is not None:
            self._md5_pending.result()
            self._md5_pending = None

    def result(self) -> dict[str, str]:
        self._settle()
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

    def size(self, location: str) -> int | None:
        """The byte count at ``location`` without reading it; None when the store can't tell.

        Raises ``ImageDataNotFound`` when the location holds nothing.
        """
        return None

    def capabilities(self) -> dict[str, Any]:
        """What ``/v2/info/stores`` may say about this store."""
        return {"id": self.name, "description": self.description,
                "supports_range": self.supports_range}
