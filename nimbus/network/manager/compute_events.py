"""Telling compute when a server's ports change, as Neutron's nova notifier does.

A floating IP associated with a server's port, or taken from it, changes the server's
``addresses``; compute learns it from a ``network-changed`` event through its
``os-server-external-events`` API and refreshes what it shows. A port that comes up on its host
after it was bound gives ``network-vif-plugged``, which a build waits for. Events go out on a thread of
their own, so that a request here never waits on compute (nor calls back into itself through
it), and a failed send only costs the server a stale view until its next change.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Protocol

LOG = logging.getLogger(__name__)
COMPUTE_OWNER_PREFIX = "compute:"
# The most events sent in one request (Nova takes a list).
BATCH = 50


class EventSink(Protocol):
    def external_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


class ComputeEvents:
    def __init__(self, sink: EventSink | None) -> None:
        self.sink = sink
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Events waiting or being sent; ``drain`` waits for none (tests, shutdown).
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def port_changed(self, port: dict[str, Any] | None) -> None:
        """A ``network-changed`` event for the server that owns ``port``, if any does."""
        server = self._server_of(port)
        if port is not None and server:
            self._put({"name": "network-changed", "server_uuid": server, "tag": port["id"]})

    def port_plugged(self, port: dict[str, Any], ok: bool) -> None:
        """``network-vif-plugged`` for the server that owns ``port``: its port is up on the
        host (``completed``), or could not be wired there (``failed``)."""
        server = self._server_of(port)
        if server:
            self._put({"name": "network-vif-plugged", "server_uuid": server, "tag": port["id"],
                       "status": "completed" if ok else "failed"})

    def _server_of(self, port: dict[str, Any] | None) -> str | None:
        if port is None or self.sink is None:
            return None
        owner = str(port.get("device_owner") or "")
        server = port.get("device_id")
        return str(server) if owner.startswith(COMPUTE_OWNER_PREFIX) and server else None

    def _put(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="compute-events",
                                                daemon=True)
                self._thread.start()
        self._queue.put(event)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every event queued so far was sent (or given up); whether it was."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            # The same event for the same server and port twice in one batch is one.
            unique = list({(e["name"], e["server_uuid"], e["tag"]): e for e in batch}.values())
            try:
                assert self.sink is not None
                self.sink.external_events(unique)
            except Exception as exc:  # any failure: the view stays stale, nothing else
                LOG.info("could not tell compute about %d port change(s): %s", len(unique), exc)
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()
