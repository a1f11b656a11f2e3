"""The console proxy's rules: which guest console a token opens, and whether it still may.

What Nova's novncproxy and serialproxy check before they carry a byte: the token exists and
has not expired; it was issued for a console of the kind the client came to (a serial token
opens no VNC session); the server still exists and is up on a host; and the driver still
reports the address the token was issued with (Nova's ``validate_console_port``), for a guest
that moved or was rebuilt answers somewhere else now. Any failure reads the same to the client,
so that a probe learns nothing about which tokens or servers exist.

``SessionLimit`` bounds how many sessions the process carries at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nimbus.compute.db import console_tokens as tokens
from nimbus.compute.db import instances as db
from nimbus.compute.manager.lifecycle import ServerLifecycle
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError, Unauthorized

LOG = logging.getLogger(__name__)

# The console types each proxy carries: the page a URL opens on decides the proxy.
PROXIED_TYPES: dict[str, frozenset[str]] = {
    "vnc": frozenset({"novnc"}),
    "serial": frozenset({"serial"}),
}
# Sessions one process carries at once; each holds a websocket and a TCP connection.
MAX_SESSIONS = 128


class ConsoleRefused(Unauthorized):
    message_format = "The token is invalid or has expired."


@dataclass(frozen=True)
class ConsoleTarget:
    """Where a session's bytes go."""

    instance_uuid: str
    console_type: str
    host: str
    port: int
    internal_access_path: str | None


class ConsoleProxyManager:
    def __init__(self, db: Database, lifecycle: ServerLifecycle) -> None:
        self.db = db
        self.lifecycle = lifecycle

    def target(self, token: str, protocol: str) -> ConsoleTarget:
        """The console ``token`` opens through the ``protocol`` proxy; ``ConsoleRefused`` when
        it opens none (the reason is logged, never told)."""
        if not token:
            raise refused("no token")
        row = tokens.find(self.db, token)
        if row is None:
            raise refused("unknown or expired token")
        if row.console_type not in PROXIED_TYPES.get(protocol, frozenset()):
            raise refused(f"a {row.console_type} token at the {protocol} proxy")
        server = db.find_instance(self.db, row.instance_uuid)
        if server is None:
            raise refused(f"server {row.instance_uuid} is gone")
        try:
            now = self.lifecycle.console(RequestContext(), server, row.console_type)
        except NimbusError as exc:
            raise refused(f"server {row.instance_uuid} has no console now: {exc}") from None
        if (str(now.get("host")), int(now.get("port") or 0)) != (row.host, row.port):
            raise refused(f"the console of {row.instance_uuid} moved")
        return ConsoleTarget(instance_uuid=row.instance_uuid, console_type=row.console_type,
                             host=row.host, port=row.port,
                             internal_access_path=row.internal_access_path)


class SessionLimit:
    """How many sessions the process carries at once."""

    def __init__(self, most: int = MAX_SESSIONS) -> None:
        self.most = most
        self._open = 0
        self._lock = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """One session, for as long as the block runs; refused when all are taken."""
        with self._lock:
            if self._open >= self.most:
                raise refused("too many console sessions")
            self._open += 1
        try:
            yield
        finally:
            with self._lock:
                self._open -= 1


def refused(why: str) -> ConsoleRefused:
    LOG.info("console connection refused: %s", why)
    return ConsoleRefused()
