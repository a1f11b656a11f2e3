"""A counter of committed writes to the identity tables, for what is cached from them.

Every committed write to an identity table through this process's engine (a role assignment, a
revocation event, a new endpoint...) starts a new *generation*; whatever was computed from the
tables under an older generation (a rendered token body, the revocation list) is stale. The
counter is shared by every process of the cloud on this machine (``core/shared_counter.py``), so a
write in one API worker is seen by the others' caches at once. Writes made on other machines, or
in an LDAP directory, are picked up by the caches' own lifetimes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from nimbus.core.shared_counter import SharedCounter

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "UPSERT")
_FLAG = "nimbus_identity_write"


class WriteGeneration:
    """A counter that moves after each committed identity write made through ``engine``."""

    def __init__(self, engine: Engine, table_prefix: str = "identity_",
                 shared: Path | None = None) -> None:
        self._counter = SharedCounter(shared)
        self._prefix = table_prefix
        event.listen(engine, "before_cursor_execute", self._on_execute)
        event.listen(engine, "rollback", self._on_rollback)
        # Moving on check-in, after the COMMIT, matters: a reader that looked at the counter
        # before it moved may have read the old rows, and its entry must not outlive the write.
        event.listen(engine, "checkin", self._on_checkin)

    @property
    def value(self) -> int:
        return self._counter.value

    def bump(self) -> None:
        self._counter.bump()

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
