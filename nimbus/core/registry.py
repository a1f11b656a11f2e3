"""Which workers are running where: heartbeats make "is the compute host up" a query."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from nimbus.core.db import service_records
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.models import ServiceRecord

LOG = logging.getLogger(__name__)
DOWN_AFTER = dt.timedelta(seconds=60)
# What a worker says of itself with each heartbeat (a volume backend's capabilities...).
Details = Callable[[], dict[str, Any]]


class Registry:
    def __init__(self, db: Database, interval: float = 10.0) -> None:
        self.db = db
        self.interval = interval
        self._stop = threading.Event()
        self._beats: list[tuple[str, str, str, Details | None]] = []
        self._thread: threading.Thread | None = None

    @retry_on_lock()
    def report(self, binary: str, host: str, topic: str = "",
               details: dict[str, Any] | None = None) -> None:
        with self.db.writer() as s:
            row = service_records.find(s, binary, host)
            if row is None:
                row = ServiceRecord(binary=binary, host=host, topic=topic)
                s.add(row)
            if details is not None:
                row.details = dict(details)
            row.report_count = (row.report_count or 0) + 1
            row.updated_at = utcnow()

    def register(self, binary: str, host: str, topic: str = "",
                 details: dict[str, Any] | Details | None = None) -> None:
        """Report now (with ``details`` of the host, kept until the next registration) and
        then every ``interval`` seconds until ``stop``; ``details`` given as a function are
        asked for again with every report."""
        fresh = details if callable(details) else None
        self.report(binary, host, topic, fresh() if fresh is not None else details)
        self._beats.append((binary, host, topic, fresh))
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            for binary, host, topic, fresh in list(self._beats):
                try:
                    self.report(binary, host, topic, fresh() if fresh is not None else None)
                except Exception:
                    LOG.exception("heartbeat for %s on %s failed", binary, host)

    def stop(self) -> None:
        self._stop.set()

    def list(self, binary: str | None = None) -> list[dict[str, Any]]:
        now = utcnow()
        with self.db.reader() as s:
            rows = service_records.listing(s, binary)
        return [
            {
                "id": r.id,
                "binary": r.binary,
                "host": r.host,
                "topic": r.topic,
                "disabled": r.disabled,
                "disabled_reason": r.disabled_reason,
                "up": (now - r.updated_at) < DOWN_AFTER,
                "updated_at": r.updated_at,
                "details": dict(r.details or {}),
            }
            for r in rows
        ]

    def is_up(self, binary: str, host: str) -> bool:
        return any(r["up"] and not r["disabled"] for r in self.list(binary) if r["host"] == host)

    @retry_on_lock()
    def set_disabled(self, binary: str, host: str, disabled: bool, reason: str | None = None) -> bool:
        with self.db.writer() as s:
            row = service_records.find(s, binary, host)
            if row is None:
                return False
            row.disabled = disabled
            row.disabled_reason = reason
            return True
