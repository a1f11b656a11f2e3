"""Token revocation: events that revoke every matching token issued before them.

Events are kept in the database (every process of the cloud sees them) and read back into this
process at most once per write generation, or every ``REVOCATION_RECHECK`` seconds for events
another process wrote, so that a database round-trip stays off every token validation.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.identity.db import revocations as q
from nimbus.identity.db.models import RevocationEvent
from nimbus.identity.db.write_generation import WriteGeneration
from nimbus.identity.manager.fernet import TokenPayload

# How stale this process's view of revocations made by other processes may get.
REVOCATION_RECHECK = 1.0


def micros(when: dt.datetime) -> int:
    """Microseconds since the epoch of a naive UTC time (how events store their cut-off)."""
    return int(when.replace(tzinfo=dt.UTC).timestamp() * 1_000_000)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RevocationManager:
    """``on_revoke`` runs after each new event: the services' token caches must forget."""

    def __init__(self, db: Database, generation: WriteGeneration,
                 on_revoke: Callable[[], None]) -> None:
        self.db = db
        self.generation = generation
        self.on_revoke = on_revoke
        self._events: tuple[int, list[RevocationEvent]] = (-1, [])
        self._lock = threading.Lock()
        self._checked: tuple[int, float] = (-1, 0.0)

    @retry_on_lock()
    def revoke(self, *, audit_id: str | None = None, user_id: str | None = None,
               project_id: str | None = None, domain_id: str | None = None,
               role_id: str | None = None) -> None:
        with self.db.writer() as s:
            s.add(RevocationEvent(audit_id=audit_id, user_id=user_id, project_id=project_id,
                                  domain_id=domain_id, role_id=role_id,
                                  issued_before_us=micros(now()), revoked_at=utcnow()))
        self.on_revoke()

    def events(self, since: dt.datetime | None = None) -> list[RevocationEvent]:
        """The events (revoked after ``since``), oldest first, for ``GET /v3/OS-REVOKE/events``."""
        with self.db.reader() as s:
            return q.list_events(s, since)

    def _load(self) -> list[RevocationEvent]:
        # A revocation made in this process is an identity write, which moves the generation,
        # so it is seen at once; one made by another process within REVOCATION_RECHECK seconds.
        generation, moment = self.generation.value, time.monotonic()
        with self._lock:
            if self._checked[0] == generation and moment - self._checked[1] < \
                    REVOCATION_RECHECK:
                return self._events[1]
        with self.db.reader() as s:
            top = q.newest_event_id(s)
            with self._lock:
                if top == self._events[0]:
                    self._checked = (generation, moment)
                    return self._events[1]
            events = q.list_events(s)
        with self._lock:
            self._events = (top, events)
            self._checked = (generation, moment)
        return events

    def is_revoked(self, p: TokenPayload) -> bool:
        issued = micros(p.issued_at)
        for ev in self._load():
            if issued > ev.issued_before_us:
                continue
            if ev.audit_id and ev.audit_id not in p.audit_ids:
                continue
            if ev.user_id and ev.user_id != p.user_id:
                continue
            if ev.project_id and not (p.scope == "project" and p.scope_id == ev.project_id):
                continue
            in_domain = (p.scope == "domain" and p.scope_id == ev.domain_id) or (
                p.scope == "project" and self._project_domain(p.scope_id) == ev.domain_id)
            if ev.domain_id and not in_domain:
                continue
            return True
        return False

    def _project_domain(self, project_id: str | None) -> str | None:
        if not project_id:
            return None
        with self.db.reader() as s:
            return q.domain_of_project(s, project_id)
