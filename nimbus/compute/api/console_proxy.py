"""The console proxy (Nova's novncproxy and serialproxy), under the compute prefix.

- ``GET  console/vnc/vnc_lite.html?path=...``: the page a VNC console URL opens; its
  ``path`` names the websocket, as noVNC's own page does.
- ``WS   console/vnc/websockify?token=...``: an RFB session with the guest's VNC console.
- ``WS   console/serial/?token=...``: the guest's serial line.

A browser opens these with no Keystone token: the console token (in the query, or in a
``token`` cookie as older noVNC sends it) is the credential. A refused token gets the
handshake refused (403) before a byte reaches a console; an accepted one has its bytes carried
both ways, one websocket message per read, until either side closes.
"""

from __future__ import annotations

import contextlib
import logging
from functools import cache
from http import cookies
from importlib import resources
from urllib.parse import urlsplit

import anyio
import anyio.abc
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from nimbus.compute.manager.console_proxy import ConsoleProxyManager, ConsoleTarget, SessionLimit
from nimbus.compute.state import ComputeState
from nimbus.core.api.service import ServiceRuntime
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)

# The largest read carried in one websocket message.
CHUNK = 64 * 1024
# How long the console may take to answer a connection (and an access path's CONNECT).
CONNECT_TIMEOUT = 10.0
# An access path's CONNECT reply past this is not HTTP.
MAX_CONNECT_REPLY = 4096


@cache
def page() -> str:
    return resources.files("nimbus.compute.api").joinpath("console_vnc.html").read_text()


def token_of(ws: WebSocket) -> str:
    """The console token: the ``token`` query parameter, else a ``token`` cookie."""
    token = ws.query_params.get("token", "")
    if token:
        return token
    jar: cookies.SimpleCookie = cookies.SimpleCookie()
    for part in (ws.headers.get("cookie") or "").split(";"):
        try:
            jar.load(part.strip())
        except cookies.CookieError:
            continue
    morsel = jar.get("token")
    return morsel.value if morsel is not None else ""


def origin_allowed(ws: WebSocket) -> bool:
    """A browser's ``Origin`` must name the host it reached (a page elsewhere must not drive
    a user's console); clients that are not browsers send none."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    host = urlsplit(f"//{ws.headers.get('host', '')}").hostname
    scheme = ws.headers.get("x-forwarded-proto") or parts.scheme
    return bool(parts.hostname) and parts.hostname == host and scheme in ("http", "https")


async def open_console(target: ConsoleTarget) -> anyio.abc.SocketStream:
    """A connection to the console, through its access path when the driver gave one."""
    with anyio.fail_after(CONNECT_TIMEOUT):
        stream = await anyio.connect_tcp(target.host, target.port)
        if not target.internal_access_path:
            return stream
        try:
            await stream.send(f"CONNECT {target.internal_access_path} HTTP/1.1\r\n\r\n".encode())
            # A byte at a time: what follows the reply is the console's, for the client.
            reply = b""
            while not reply.endswith(b"\r\n\r\n"):
                reply += await stream.receive(1)
                if len(reply) > MAX_CONNECT_REPLY:
                    raise OSError("the console's CONNECT reply is too long")
            if b" 200 " not in reply.split(b"\r\n", 1)[0] + b" ":
                raise OSError("the console refused the CONNECT")
        except BaseException:
            await stream.aclose()
            raise
        return stream


async def carry(ws: WebSocket, proxy: ConsoleProxyManager, limit: SessionLimit,
                protocol: str) -> None:
    """One console session, from the handshake to the close."""
    if not origin_allowed(ws):
        LOG.info("console connection refused: origin %s", ws.headers.get("origin"))
        await ws.close()
        return
    try:
        target = await anyio.to_thread.run_sync(proxy.target, token_of(ws), protocol)
        with limit.hold():
            try:
                stream = await open_console(target)
            except (OSError, TimeoutError) as exc:
                LOG.info("console of %s did not answer: %s", target.instance_uuid, exc)
                await ws.close()
                return
            offered = ws.scope.get("subprotocols") or []
            await ws.accept(subprotocol="binary" if "binary" in offered else None)
            async with stream:
                await relay(ws, stream)
    except NimbusError:
        await ws.close()     # the reason is logged by the manager; the client learns none
        return
    if WebSocketState.CONNECTED == ws.application_state == ws.client_state:
        # The client may leave meanwhile: then there is nobody to tell.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await ws.close()


async def relay(ws: WebSocket, stream: anyio.abc.SocketStream) -> None:
    """Carry bytes both ways until either side stops."""

    async def to_client(scope: anyio.CancelScope) -> None:
        try:
            while True:
                await ws.send_bytes(await stream.receive(CHUNK))
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError,
                WebSocketDisconnect, RuntimeError, OSError):
            pass
        scope.cancel()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(to_client, tasks.cancel_scope)
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes") or (message.get("text") or "").encode()
                if data:
                    await stream.send(data)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, WebSocketDisconnect,
                RuntimeError, OSError):
            pass
        tasks.cancel_scope.cancel()


def routes(runtime: ServiceRuntime[ComputeState]) -> list[BaseRoute]:
    """The proxy's page and websockets, for the compute service's raw routes."""
    limit = SessionLimit()

    def proxy() -> ConsoleProxyManager:
        return ConsoleProxyManager(runtime.state.db, runtime.state.lifecycle)

    async def vnc_page(request: Request) -> Response:
        return HTMLResponse(page())

    async def vnc(ws: WebSocket) -> None:
        await carry(ws, proxy(), limit, "vnc")

    async def serial(ws: WebSocket) -> None:
        await carry(ws, proxy(), limit, "serial")

    return [
        # vnc_auto.html is the page older Nova releases pointed at.
        *(Route(f"/console/vnc/{name}", vnc_page, methods=["GET", "HEAD"])
          for name in ("vnc_lite.html", "vnc_auto.html")),
        WebSocketRoute("/console/vnc/websockify", vnc),
        *(WebSocketRoute(path, serial) for path in ("/console/serial/", "/console/serial")),
    ]
