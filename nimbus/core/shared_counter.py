"""A counter every process of a cloud on one machine reads from the same memory.

Caches that must agree across the API processes (a token's validation, rendered token bodies)
remember the counter's value when they were filled and are stale once it moved. Reading it is a
load from a page mapped from a small file in the state directory: no system call and no database
read on the hot path. Moving it takes a file lock, which orders the increments of all processes.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
from pathlib import Path

_FORMAT = struct.Struct("<Q")


class SharedCounter:
    """Shared through ``path`` when given; otherwise this process's alone."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._fd = -1
        self._map: mmap.mmap | bytearray
        if path is None:
            self._map = bytearray(_FORMAT.size)
            return
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < _FORMAT.size:
            os.ftruncate(self._fd, _FORMAT.size)
        self._map = mmap.mmap(self._fd, _FORMAT.size)

    @property
    def value(self) -> int:
        return int(_FORMAT.unpack_from(self._map)[0])

    def bump(self) -> None:
        with self._lock:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                _FORMAT.pack_into(self._map, 0, (self.value + 1) & 0xFFFFFFFFFFFFFFFF)
            finally:
                if self._fd >= 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
