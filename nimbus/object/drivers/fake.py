"""Objects in memory, for tests that do not care where the bytes go."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from nimbus.conf.settings import Settings
from nimbus.core.errors import NotFound, PayloadTooLarge
from nimbus.object.drivers import timestamps
from nimbus.object.drivers.base import CHUNK_SIZE, ObjectDriver, StoredObject

Key = tuple[str, str, str, str]


class FakeDriver(ObjectDriver):
    name = "fake"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._data: dict[Key, bytes] = {}
        self._meta: dict[Key, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def put(self, account: str, container: str, obj: str, chunks: Iterable[bytes],
            metadata: dict[str, Any], max_size: int) -> StoredObject:
        parts: list[bytes] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > max_size:
                raise PayloadTooLarge(reason="Your request is too large.")
            parts.append(chunk)
        data = b"".join(parts)
        with self._lock:
            newest = max((k[3] for k in self._data if k[:3] == (account, container, obj)),
                         default=None)
            stored = StoredObject(hashlib.md5(data, usedforsecurity=False).hexdigest(), size,
                                  timestamps.after(newest))
            key = (account, container, obj, stored.timestamp)
            self._data[key] = data
            self._meta[key] = dict(metadata)
        return stored

    def _key(self, account: str, container: str, obj: str, timestamp: str) -> Key:
        key = (account, container, obj, timestamp)
        if key not in self._data:
            raise NotFound(resource="object", id=obj)
        return key

    def get(self, account: str, container: str, obj: str, timestamp: str,
            start: int = 0, end: int | None = None) -> Iterator[bytes]:
        data = self._data[self._key(account, container, obj, timestamp)][start:end]
        return iter([data[i:i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)])

    def head(self, account: str, container: str, obj: str, timestamp: str) -> dict[str, Any]:
        key = self._key(account, container, obj, timestamp)
        data = self._data[key]
        return {**self._meta[key], "etag": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                "size": len(data), "timestamp": timestamp}

    def set_metadata(self, account: str, container: str, obj: str, timestamp: str,
                     metadata: dict[str, Any]) -> None:
        key = (account, container, obj, timestamp)
        with self._lock:
            if key in self._meta:
                self._meta[key] = dict(metadata)

    def delete(self, account: str, container: str, obj: str, timestamp: str) -> None:
        key = (account, container, obj, timestamp)
        with self._lock:
            self._data.pop(key, None)
            self._meta.pop(key, None)

    def list(self, account: str | None = None) -> Iterator[tuple[str, str, str, str]]:
        with self._lock:
            keys = list(self._data)
        return iter([k for k in keys if account is None or k[0] == account])


DRIVER = FakeDriver
