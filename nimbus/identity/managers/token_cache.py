"""Rendered token bodies, kept until identity data changes.

Rendering a token's body reads the user, its domain, the project, role assignments, implied roles
and the catalog: a dozen queries per validation. The body only changes when identity data does,
so it is kept per token and per *write generation*: every committed write to an identity table
through this process's engine (a role assignment, a revocation event, a new endpoint...) starts a
new generation, and entries of older generations are never served. Writes this process cannot see
(another API process in scaled mode, an LDAP directory) are picked up when an entry's lifetime
ends, the same staleness bound the services' own token cache has.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "UPSERT")
_FLAG = "nimbus_identity_write"


class WriteGeneration:
    """A counter that moves after each committed identity write made through ``engine``."""

    def __init__(self, engine: Engine, table_prefix: str = "identity_") -> None:
        self.value = 0
        self._prefix = table_prefix
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._on_execute)
        event.listen(engine, "rollback", self._on_rollback)
        # Moving on check-in, after the COMMIT, matters: a reader that looked at the counter
        # before it moved may have read the old rows, and its entry must not outlive the write.
        event.listen(engine, "checkin", self._on_checkin)

    def bump(self) -> None:
        with self._lock:
            self.value += 1

    def _on_execute(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                    context: Any, executemany: bool) -> None:
        head = statement.lstrip()[:6].upper()
        if head in _WRITES and self._prefix in statement[:200]:
            conn.info[_FLAG] = True
            # Autocommit drivers and savepoints aside, the bump on check-in is the one that
            # counts; this one makes the write visible to readers sooner in this process.
            self.bump()

    def _on_rollback(self, conn: Any) -> None:
        conn.info.pop(_FLAG, None)

    def _on_checkin(self, dbapi_conn: Any, record: Any) -> None:
        if record is not None and record.info.pop(_FLAG, False):
            self.bump()


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
