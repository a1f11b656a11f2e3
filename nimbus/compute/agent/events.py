"""Events a host's builds wait for, as Nova's compute manager waits for them: a port that
Neutron wires after binding turns ACTIVE later, and the build goes on only once
``network-vif-plugged`` says so (or gives up after ``vif_plugging_timeout``).

An event may arrive before the build that wants it has started to wait (the port can come up
while the build is still recording it), so events nobody waits for yet are kept a while per
server and taken by the next wait that names them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)
# How long an event nobody waited for is kept, and how many are kept at most.
KEEP_SECONDS = 600.0
KEEP_MOST = 10000


class InstanceEvents:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        # (server, "name-tag") -> (status, when it came)
        self._arrived: dict[tuple[str, str], tuple[str, float]] = {}

    @staticmethod
    def key(name: str, tag: str | None) -> str:
        return f"{name}-{tag}" if tag else name

    def deliver(self, events: list[dict[str, Any]]) -> None:
        now = time.monotonic()
        with self._cond:
            for event in events:
                name = self.key(str(event.get("name")), event.get("tag"))
                self._arrived[(str(event.get("server_uuid")), name)] = (
                    str(event.get("status") or "completed"), now)
            self._forget_old(now)
            self._cond.notify_all()

    def wait(self, server: str, names: list[str], timeout: float) -> dict[str, str]:
        """Wait until every one of ``names`` came for ``server`` (each with its status), for at
        most ``timeout`` seconds; what came by then, with the others missing."""
        deadline = time.monotonic() + timeout
        got: dict[str, str] = {}
        with self._cond:
            while True:
                for name in names:
                    found = self._arrived.pop((server, name), None)
                    if found is not None:
                        got[name] = found[0]
                left = deadline - time.monotonic()
                if len(got) == len(names) or left <= 0:
                    return got
                self._cond.wait(left)

    def _forget_old(self, now: float) -> None:
        stale = [k for k, (_, when) in self._arrived.items() if now - when > KEEP_SECONDS]
        for key in stale:
            del self._arrived[key]
        while len(self._arrived) > KEEP_MOST:
            del self._arrived[next(iter(self._arrived))]


class EventsEndpoint:
    """What the bus may call on a host's events topic."""

    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"external_instance_events"})

    def __init__(self, events: InstanceEvents,
                 on_volume_extended: Callable[[dict[str, Any], str, str], None] | None = None
                 ) -> None:
        self.events = events
        # (the event's request, server uuid, volume id): grow the volume in the guest
        # (``volume_extend.py``).
        self.on_volume_extended = on_volume_extended

    def external_instance_events(self, ctx: dict[str, Any], events: list[dict[str, Any]]) -> None:
        LOG.debug("%d event(s) for servers here", len(events))
        waited = [e for e in events if e.get("name") != "volume-extended"]
        if waited:
            self.events.deliver(waited)
        for event in events:
            if event.get("name") == "volume-extended" and self.on_volume_extended is not None \
                    and event.get("tag"):
                self.on_volume_extended(ctx, str(event["server_uuid"]), str(event["tag"]))
