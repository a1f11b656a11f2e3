"""The ASGI application: every service's API under one port, a path prefix per service."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nimbus.core.api.context import new_request_id
from nimbus.core.api.faults import render
from nimbus.core.api.routing import build_route
from nimbus.core.api.service import ServiceRuntime
from nimbus.core.errors import MethodNotAllowed, NotFound

if TYPE_CHECKING:
    from nimbus.core.cloud import Cloud


class _PathNormaliser:
    """``/identity`` becomes ``/identity/``; ``/image/v2/images/`` becomes ``/image/v2/images``.

    OpenStack clients are loose about trailing slashes and a redirect would lose a POST body.
    Services whose names may end in a slash (object storage) keep them.
    """

    def __init__(self, app: ASGIApp, prefixes: dict[str, bool]) -> None:
        self.app = app
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            new = path
            for prefix, keep in self.prefixes:
                if path == prefix:
                    new = prefix + "/"
                    break
                if path.startswith(prefix + "/"):
                    if not keep and len(path) > len(prefix) + 1 and path.endswith("/"):
                        new = path.rstrip("/")
                    break
            if new != path:
                scope = dict(scope, path=new, raw_path=new.encode())
        await self.app(scope, receive, send)


def _service_app(runtime: ServiceRuntime) -> Starlette:
    routes = [build_route(spec, runtime) for spec in runtime.definition.router.routes]

    async def not_found(request: Request, exc: Any) -> Response:
        status = getattr(exc, "status_code", 404)
        err = MethodNotAllowed() if status == 405 else NotFound(
            f"The resource could not be found: {request.url.path}"
        )
        request_id = new_request_id()
        response = render(err, runtime.fault_style, request_id)
        response.headers["x-openstack-request-id"] = request_id
        return response

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})


def build_app(cloud: Cloud, ready: Any = None) -> ASGIApp:
    """The whole cloud's API; ``ready()`` tells /health whether start-up has finished."""

    async def health(request: Request) -> Response:
        is_ready = ready() if ready else True
        body = {"status": "ok" if is_ready else "starting", "services": cloud.health()}
        return Response(json.dumps(body, default=str), status_code=200 if is_ready else 503,
                        media_type="application/json")

    async def index(request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        return JSONResponse({
            "name": "nimbus",
            "services": {
                rt.definition.service_type: f"{base}{rt.prefix}" for rt in cloud.runtimes.values()
            },
        })

    routes: list[Any] = [Route("/health", health), Route("/", index)]
    prefixes: dict[str, bool] = {}
    for runtime in cloud.runtimes.values():
        routes.append(Mount(runtime.prefix, app=_service_app(runtime)))
        prefixes[runtime.prefix] = runtime.definition.keep_trailing_slash
    return _PathNormaliser(Starlette(routes=routes), prefixes)
