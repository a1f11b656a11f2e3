"""Rendered token bodies, kept until identity data changes.

Rendering a token's body reads the user, its domain, the project, role assignments, implied roles
and the catalog: a dozen queries per validation. The body only changes when identity data does,
so it is kept per token and per write generation (``db/write_generation.py``): entries of older
generations are never served, and every entry ends with its lifetime, the same staleness bound
the services' own token cache has for writes this process cannot see.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from nimbus.identity.db.write_generation import WriteGeneration


class RenderCache:
    """Token bodies keyed by a digest of the token (never the token itself) and an option."""

    def __init__(self, generation: WriteGeneration, lifetime: float,
                 max_entries: int = 10000) -> None:
        self.generation = generation
        self.lifetime = lifetime
        self.max_entries = max_entries
        self._entries: dict[tuple[bytes, bool], tuple[int, float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(token: str, include_catalog: bool) -> tuple[bytes, bool]:
        return hashlib.sha256(token.encode()).digest(), include_catalog

    def get(self, key: tuple[bytes, bool], generation: int) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != generation or entry[1] < time.monotonic():
            return None
        # A shallow copy: callers may add top-level members without touching the cached one.
        return dict(entry[2])

    def put(self, key: tuple[bytes, bool], generation: int, body: dict[str, Any]) -> None:
        if self.lifetime <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (generation, time.monotonic() + self.lifetime, body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
