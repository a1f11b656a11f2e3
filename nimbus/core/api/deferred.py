"""A service's ASGI application, built when its first request comes.

Building one imports the service's API modules (its handlers and schemas) and a route for each
of its declarations: a process pays for that only for the services it is asked for, and none of
it before ``/health`` answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send


class OnFirstRequest:
    """Calls ``build`` once, off the event loop (the imports take tens of milliseconds that
    other requests need not wait for), and hands every request to what it built."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._lock = threading.Lock()

    def built(self) -> ASGIApp:
        with self._lock:
            if self._app is None:
                self._app = self._build()
            return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        if app is None:
            app = await anyio.to_thread.run_sync(self.built)
        await app(scope, receive, send)
