"""Responses answered again from memory, for a service's hottest read.

A service may put a *front* before its routes (``ServiceDef.front``): an ASGI callable that sees
each request under its prefix first and either answers it or hands it on. ``ResponseMemo`` is
what such a front keeps: the status, headers and body of a 200 the normal path gave, under a key
the front derives from everything the answer depends on, with a *stamp* (the versions of the data
and rules it was computed from) and a deadline. A later request with the same key is answered
with the same bytes, under a new request id, while the stamp is unchanged and the deadline is
ahead: no handler, no database, no JSON rendered again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nimbus.core.api.context import new_request_id

LOG = logging.getLogger("nimbus.api")


class Front(Protocol):
    async def __call__(self, scope: Scope, receive: Receive, send: Send,
                       downstream: ASGIApp) -> None: ...


@dataclass(frozen=True)
class _Entry:
    stamp: Hashable
    until: float
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class Captured:
    """What the normal path answered, as the memo may keep it."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] | None = None
    body: bytes = b""
    complete: bool = False


class ResponseMemo:
    """Kept answers, used only from the event loop's thread (so without a lock).

    ``stamp_headers(headers, request_id)`` adds a request's own id headers, which the kept
    headers lack.
    """

    def __init__(self, stamp_headers: Callable[[MutableHeaders, str], None],
                 max_entries: int = 10000) -> None:
        self.stamp_headers = stamp_headers
        self.max_entries = max_entries
        self._entries: dict[Hashable, _Entry] = {}

    async def replay(self, key: Hashable, stamp: Hashable, scope: Scope, send: Send) -> bool:
        """Answer from memory if an entry for ``key`` is current; say whether it did."""
        entry = self._entries.get(key)
        if entry is None or entry.stamp != stamp or entry.until <= time.time():
            return False
        request_id = new_request_id()
        headers = MutableHeaders(raw=list(entry.headers))
        self.stamp_headers(headers, request_id)
        await send({"type": "http.response.start", "status": 200, "headers": headers.raw})
        await send({"type": "http.response.body", "body": entry.body})
        if LOG.isEnabledFor(logging.INFO):
            LOG.info("%s %s %s 200 (kept)", request_id, scope["method"], scope["path"])
        return True

    @staticmethod
    async def capture(scope: Scope, receive: Receive, send: Send,
                      downstream: ASGIApp) -> Captured:
        """Run the normal path, passing its answer on and keeping a copy of it."""
        seen = Captured()
        parts: list[bytes] = []

        async def tee(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.status = int(message["status"])
                seen.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                seen.complete = not message.get("more_body", False)
            await send(message)

        await downstream(scope, receive, tee)
        seen.body = b"".join(parts)
        return seen

    def keep(self, key: Hashable, stamp: Hashable, until: float, captured: Captured,
             request_specific: Callable[[bytes], bool]) -> None:
        """Keep a complete 200, without the headers ``request_specific`` names."""
        if captured.status != 200 or not captured.complete or captured.headers is None:
            return
        if until <= time.time():
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        headers = [(k, v) for k, v in captured.headers if not request_specific(k)]
        self._entries[key] = _Entry(stamp, until, headers, captured.body)

    def clear(self) -> None:
        self._entries.clear()

