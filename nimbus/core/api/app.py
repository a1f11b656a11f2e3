"""The ASGI application: every service's API under one port, a path prefix per service."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nimbus.core.api import openapi
from nimbus.core.api.context import new_request_id
from nimbus.core.api.deferred import OnFirstRequest
from nimbus.core.api.dispatch import build_route
from nimbus.core.api.faults import render
from nimbus.core.api.memo import Front
from nimbus.core.api.service import ServiceRuntime
from nimbus.core.errors import MethodNotAllowed, NotFound

if TYPE_CHECKING:
    from nimbus.core.cloud import Cloud

LOG = logging.getLogger(__name__)


class _PathNormaliser:
    """``/identity`` becomes ``/identity/``; ``/image/v2/images/`` becomes ``/image/v2/images``.

    OpenStack clients are loose about trailing slashes and a redirect would lose a POST body.
    Services whose names may end in a slash (object storage) keep them, and a service may name
    paths whose slash means an empty id (Cinder's ``/volumes/``), which are left to be not found.
    """

    def __init__(self, app: ASGIApp,
                 prefixes: dict[str, tuple[bool, re.Pattern[str] | None]],
                 fronts: dict[str, Front] | None = None) -> None:
        self.app = app
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
        self.fronts = fronts or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            new = path
            front = None
            for prefix, (keep, empty_ids) in self.prefixes:
                if path == prefix:
                    new = prefix + "/"
                    break
                if path.startswith(prefix + "/"):
                    if not keep and len(path) > len(prefix) + 1 and path.endswith("/") and not (
                            empty_ids and empty_ids.match(path[len(prefix):])):
                        new = path.rstrip("/")
                    front = self.fronts.get(prefix)
                    break
            if new != path:
                scope = dict(scope, path=new, raw_path=new.encode())
            if front is not None:
                await front(scope, receive, send, self.app)
                return
        await self.app(scope, receive, send)


def _service_app(runtime: ServiceRuntime[Any]) -> Starlette:
    routes: list[Any] = [build_route(spec, runtime) for spec in runtime.definition.router.routes]

    async def openapi_json(request: Request) -> Response:
        url = f"{request.url.scheme}://{request.url.netloc}{runtime.prefix}"
        return JSONResponse(openapi.document(runtime.definition, url))

    # Before the service's own routes: object storage's catch-all account path would match.
    routes.insert(0, Route("/openapi.json", openapi_json, methods=["GET"]))
    if runtime.definition.raw_routes is not None:
        routes[1:1] = runtime.definition.raw_routes(runtime)

    async def not_found(request: Request, exc: Any) -> Response:
        status = getattr(exc, "status_code", 404)
        err = MethodNotAllowed() if status == 405 else NotFound(
            f"The resource could not be found: {request.url.path}"
        )
        request_id = new_request_id()
        response = render(err, runtime.fault_style, request_id, request.headers.get("accept", ""))
        runtime.stamp(response.headers, request_id)
        return response

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    app.router.redirect_slashes = runtime.definition.redirect_slashes
    return app


def health_of(cloud: Cloud, ready: Callable[[], bool] | None) -> tuple[int, dict[str, Any]]:
    """200 only once start-up has finished and every service answers its own health check."""
    services: dict[str, Any] = {}
    healthy = ready() if ready else True
    try:
        cloud.db.ping()
    except Exception as exc:  # noqa: BLE001 - reported as the database being down
        LOG.debug("health of the database: %s", exc)
        return 503, {"status": "degraded", "database": "down", "services": services}
    for name, runtime in cloud.runtimes.items():
        try:
            services[name] = runtime.health()
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, not raised
            LOG.debug("health of %s: %s", name, exc)
            services[name] = {"status": "down", "reason": type(exc).__name__}
            healthy = False
    status = "ok" if healthy else "starting" if ready and not ready() else "degraded"
    return (200 if healthy else 503), {"status": status, "services": services}


def build_app(cloud: Cloud, ready: Callable[[], bool] | None = None) -> ASGIApp:
    """The whole cloud's API; ``ready()`` tells /health whether start-up has finished."""

    def health_sync() -> Response:
        code, body = health_of(cloud, ready)
        return Response(json.dumps(body, default=str), status_code=code,
                        media_type="application/json")

    async def health(request: Request) -> Response:
        # Health checks may touch the database: off the event loop, like every handler.
        return await anyio.to_thread.run_sync(health_sync)

    async def index(request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse({
            "name": "nimbus",
            "services": {
                rt.definition.service_type: f"{base}{rt.prefix}" for rt in cloud.runtimes.values()
            },
        })

    async def unrouted(request: Request, exc: Any) -> Response:
        """A path no service mounts (or one a mount's pattern cannot match, such as one with a
        newline in it): the fault of the service whose prefix it starts with, else Keystone's."""
        path = request.url.path
        owner = next((rt for rt in cloud.runtimes.values()
                      if path == rt.prefix or path.startswith(rt.prefix + "/")), None)
        request_id = new_request_id()
        err = NotFound(f"The resource could not be found: {path}")
        response = render(err, owner.fault_style if owner else "keystone", request_id,
                          request.headers.get("accept", ""))
        if owner is not None:
            owner.stamp(response.headers, request_id)
        return response

    routes: list[Any] = [Route("/health", health), Route("/", index)]
    prefixes: dict[str, tuple[bool, re.Pattern[str] | None]] = {}
    fronts: dict[str, Front] = {}
    for runtime in cloud.runtimes.values():
        routes.append(Mount(runtime.prefix, app=OnFirstRequest(partial(_service_app, runtime))))
        prefixes[runtime.prefix] = (runtime.definition.keep_trailing_slash,
                                    runtime.definition.empty_id_paths)
        if runtime.definition.front is not None:
            fronts[runtime.prefix] = runtime.definition.front(runtime)
    return _PathNormaliser(Starlette(routes=routes, exception_handlers={404: unrouted}),
                           prefixes, fronts)
