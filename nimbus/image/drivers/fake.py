"""An in-memory store for tests: same contract, nothing on disk."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from nimbus.image.drivers.base import (
    CHUNK_SIZE,
    Digests,
    ImageDataNotFound,
    ImageStore,
    StoredImage,
)


class FakeStore(ImageStore):
    name = "fake"
    description = "In-memory store (tests only)"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def add(self, image_id: str, chunks: Iterable[bytes]) -> StoredImage:
        digests = Digests()
        parts: list[bytes] = []
        for chunk in chunks:
            digests.update(chunk)
            parts.append(chunk)
        location = f"fake://{image_id}/{uuid.uuid4().hex}"
        with self._lock:
            self.blobs[location] = b"".join(parts)
        return StoredImage(location, digests.size, digests.result())

    def get(self, location: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        with self._lock:
            if location not in self.blobs:
                raise ImageDataNotFound(id=location)
            data = self.blobs[location]
        end = len(data) if length is None else min(len(data), offset + length)
        return iter([data[i:min(i + CHUNK_SIZE, end)] for i in range(offset, end, CHUNK_SIZE)])

    def owns(self, location: str) -> bool:
        return location.startswith("fake://")

    def size(self, location: str) -> int | None:
        with self._lock:
            if location not in self.blobs:
                raise ImageDataNotFound(id=location)
            return len(self.blobs[location])

    def delete(self, location: str) -> None:
        with self._lock:
            self.blobs.pop(location, None)

    def discard_partial(self, image_id: str, keep: Collection[str] = ()) -> int:
        with self._lock:
            found = [loc for loc in self.blobs
                     if loc.startswith(f"fake://{image_id}/") and loc not in keep]
            for loc in found:
                del self.blobs[loc]
        return len(found)


DRIVER = FakeStore
