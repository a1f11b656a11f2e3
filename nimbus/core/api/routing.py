"""Declaring routes, and the one wrapper every request goes through.

A handler is a plain (synchronous) function ``handler(req: ApiRequest) -> result``. The wrapper
reads the body, authenticates, negotiates the microversion, runs the handler in the thread pool
(so blocking database work never stalls the event loop), checks that policy was enforced, shapes
the result into a response and renders any error in the service's own fault format.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.to_thread
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nimbus.core.api.context import RequestContext, new_request_id
from nimbus.core.api.faults import render
from nimbus.core.api.microversion import Version
from nimbus.core.auth import access_rules
from nimbus.core.errors import (
    BadRequest,
    MalformedBody,
    NimbusError,
    PayloadTooLarge,
    Unauthorized,
)

if TYPE_CHECKING:
    from nimbus.core.api.service import ServiceRuntime

LOG = logging.getLogger("nimbus.api")
MAX_JSON_BODY = 16 * 1024 * 1024
STREAM_BATCH = 1024 * 1024


@dataclass
class Reply:
    """A handler result with a status and headers other than the route's defaults."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiRequest:
    """What a handler sees of a request."""

    def __init__(self, request: Request, runtime: ServiceRuntime, ctx: RequestContext,
                 raw: bytes, version: Version | None) -> None:
        self._request = request
        self.runtime = runtime
        self.ctx = ctx
        self.raw_body = raw
        self.version = version
        self.params: dict[str, str] = dict(request.path_params)
        self.query: QueryParams = request.query_params
        self.headers: Headers = request.headers
        self.method = request.method
        self._json: Any = None
        self._parsed = False

    @property
    def svc(self) -> Any:
        """The service's own state (its manager and friends), built at start-up."""
        return self.runtime.state

    @property
    def json(self) -> Any:
        """The parsed JSON body (None when empty); a malformed body is a 400, never a 500."""
        if not self._parsed:
            self._parsed = True
            if self.raw_body.strip():
                try:
                    self._json = json.loads(self.raw_body)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise MalformedBody(reason=str(exc)) from None
        return self._json

    def body_dict(self, key: str | None = None) -> dict[str, Any]:
        """The body as an object, or its ``key`` member; a 400 naming what is missing otherwise."""
        body = self.json
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        if key is None:
            return body
        inner = body.get(key)
        if not isinstance(inner, dict):
            raise BadRequest(f"The request body must contain a '{key}' object.")
        return inner

    def stream(self, batch: int = STREAM_BATCH) -> Iterator[bytes]:
        """The body in pieces of about ``batch`` bytes, never held whole (``stream=True`` routes).

        The server hands the body over in small pieces (64 KiB); each hop from this worker
        thread to the event loop costs two thread wake-ups, which under CPU contention dominate
        a large upload. So one hop gathers pieces on the loop until ``batch`` bytes are there.
        """
        agen = self._request.stream()

        async def gather() -> bytes:
            parts: list[bytes] = []
            size = 0
            while size < batch:
                try:
                    chunk = await agen.__anext__()
                except StopAsyncIteration:
                    break
                if chunk:
                    parts.append(chunk)
                    size += len(chunk)
            return parts[0] if len(parts) == 1 else b"".join(parts)

        while True:
            data = anyio.from_thread.run(gather)
            if not data:
                return
            yield data

    def enforce(self, action: str, target: dict[str, Any] | None = None) -> None:
        """Check policy ``action`` for the caller against ``target`` (defaults to the caller's own)."""
        self.ctx.enforced = True
        self.runtime.enforcer.authorize(action, self._target(target), self.ctx.creds())

    def allowed(self, action: str, target: dict[str, Any] | None = None) -> bool:
        return self.runtime.enforcer.check(action, self._target(target), self.ctx.creds())

    def _target(self, target: dict[str, Any] | None) -> dict[str, Any]:
        """The caller's own ids, overridden by ``target``; keys whose value is None are dropped.

        oslo.policy would render None as "None" and match it against a credential that is also
        None (an unscoped token's project, say), so an unknown owner must fail the check instead.
        """
        full: dict[str, Any] = {"project_id": self.ctx.project_id, "user_id": self.ctx.user_id,
                                "domain_id": self.ctx.domain_id}
        full.update(target or {})
        return {k: v for k, v in full.items() if v is not None}

    def at_least(self, version: str) -> bool:
        return self.version is not None and self.version >= Version.parse(version)

    @property
    def url(self) -> str:
        return str(self._request.url)

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def host_url(self) -> str:
        """Scheme, host and port as the client reached us."""
        url = self._request.url
        return f"{url.scheme}://{url.netloc}"

    @property
    def service_url(self) -> str:
        """The service root as the client reached it, e.g. ``http://host:port/compute``."""
        return self.host_url + self.runtime.prefix

    def query_int(self, name: str, default: int | None = None, minimum: int = 0) -> int | None:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise BadRequest(f"Invalid value '{value}' for query parameter '{name}'.") from None
        if number < minimum:
            raise BadRequest(f"Query parameter '{name}' must be >= {minimum}.")
        return number

    def query_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.query.get(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on", ""):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise BadRequest(f"Invalid boolean value '{value}' for query parameter '{name}'.")


Handler = Callable[[ApiRequest], Any]


@dataclass
class RouteSpec:
    path: str
    methods: list[str]
    handler: Handler
    status: int = 200
    public: bool = False
    stream: bool = False
    policy_free: bool = False


class Router:
    """Collects a service's routes: ``@router.get("/servers/{server_id}")``."""

    def __init__(self) -> None:
        self.routes: list[RouteSpec] = []

    def route(self, path: str, methods: list[str], *, status: int = 200, public: bool = False,
              stream: bool = False, policy_free: bool = False) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self.routes.append(RouteSpec(path, methods, func, status, public, stream,
                                         policy_free or public))
            return func

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route(path, ["GET"], **kw)

    def head(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route(path, ["HEAD"], **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route(path, ["POST"], **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route(path, ["PUT"], **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route(path, ["PATCH"], **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route(path, ["DELETE"], **kw)

    def include(self, other: Router) -> None:
        self.routes.extend(other.routes)


def _to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    status, headers = default_status, {}
    if isinstance(result, Reply):
        status = result.status or default_status
        headers = result.headers
        result = result.body
    if result is None:
        response = Response(status_code=status, headers=headers)
        if (status in (204, 304) or status < 200) and "content-length" in response.headers:
            del response.headers["content-length"]
        return response
    if isinstance(result, bytes | str):
        return Response(result, status_code=status, headers=headers)
    return Response(json.dumps(result), status_code=status, headers=headers,
                    media_type="application/json")


def build_route(spec: RouteSpec, runtime: ServiceRuntime) -> Route:
    """Wrap ``spec.handler`` into a Starlette route bound to one service runtime."""

    async def endpoint(request: Request) -> Response:
        started = time.monotonic()
        request_id = new_request_id()
        ctx = RequestContext(request_id=request_id)
        try:
            raw = b""
            if not spec.stream:
                length = int(request.headers.get("content-length") or 0)
                if length > MAX_JSON_BODY:
                    raise PayloadTooLarge(reason="Request body is too large.")
                raw = await request.body()
            response = await anyio.to_thread.run_sync(_run, request, ctx, raw)
        except NimbusError as err:
            response = render(err, runtime.fault_style, request_id)
        except Exception:
            LOG.exception("%s unhandled error on %s %s", request_id, request.method,
                          request.scope["path"])
            response = render(NimbusError(), runtime.fault_style, request_id)
        response.headers["x-openstack-request-id"] = request_id
        if runtime.fault_style == "nova":
            response.headers["x-compute-request-id"] = request_id
        # scope["path"], not request.url.path: building the URL costs more than the log line.
        LOG.info("%s %s %s %s %.1fms", request_id, request.method, request.scope["path"],
                 response.status_code, (time.monotonic() - started) * 1000)
        return response

    def _run(request: Request, ctx: RequestContext, raw: bytes) -> Response:
        version = None
        if runtime.microversion is not None:
            headers = {k.lower(): v for k, v in request.headers.items()}
            version = runtime.microversion.negotiate(headers)
        token = request.headers.get("x-auth-token")
        if token:
            try:
                runtime.authenticate(ctx, token)
            except Unauthorized:
                if not spec.public:
                    raise
            if ctx.access_rules is not None and not access_rules.allowed(
                    ctx.access_rules, runtime.service_types, request.method,
                    request.url.path[len(runtime.prefix):]):
                raise Unauthorized("The application credential's access rules do not allow "
                                   "this request.")
        elif not spec.public:
            raise Unauthorized()
        req = ApiRequest(request, runtime, ctx, raw, version)
        try:
            result = spec.handler(req)
        except NimbusError as err:
            if version is not None and runtime.microversion is not None:
                err.headers.update(runtime.microversion.response_headers(version))
            raise
        if not spec.policy_free and not ctx.enforced:
            raise AssertionError(f"{spec.handler.__qualname__} did not enforce policy")
        response = _to_response(result, spec.status)
        if version is not None and runtime.microversion is not None:
            for name, value in runtime.microversion.response_headers(version).items():
                response.headers[name] = value
        return response

    return Route(spec.path, endpoint, methods=spec.methods, name=spec.handler.__qualname__)
