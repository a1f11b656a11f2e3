"""The one wrapper every request goes through.

It reads the body, authenticates, negotiates the microversion, checks the request against the
route's declared contract, runs the handler in the thread pool (so blocking database work never
stalls the event loop), checks that policy was enforced, shapes the result into a response and
renders any error in the service's own fault format.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from sqlalchemy.exc import DataError, IntegrityError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from nimbus.core.api import validation
from nimbus.core.api.context import RequestContext, new_request_id
from nimbus.core.api.faults import render
from nimbus.core.api.microversion import Version
from nimbus.core.api.request import ApiRequest, Reply, parse_json
from nimbus.core.api.routing import RouteSpec
from nimbus.core.auth import access_rules
from nimbus.core.errors import (
    BadRequest,
    Conflict,
    NimbusError,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    Unauthorized,
)

if TYPE_CHECKING:
    from nimbus.core.api.service import ServiceRuntime

LOG = logging.getLogger("nimbus.api")
MAX_JSON_BODY = 16 * 1024 * 1024


def content_length(request: Request) -> int:
    """The announced body size; a header that is not a number is the client's 400."""
    value = request.headers.get("content-length")
    if not value:
        return 0
    try:
        length = int(value)
    except ValueError:
        raise BadRequest(f"Invalid Content-Length header: {value[:40]!r}.") from None
    if length < 0:
        raise BadRequest("Invalid Content-Length header: it must not be negative.")
    return length


def to_response(result: Any, default_status: int) -> Response:
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


def in_range(spec: RouteSpec, version: Version | None) -> bool:
    """Whether the route exists at the negotiated microversion."""
    if version is None:
        return True
    if spec.min_version and version < Version.parse(spec.min_version):
        return False
    return not (spec.max_version and version > Version.parse(spec.max_version))


def refuse_nul(req: ApiRequest[Any]) -> None:
    """NUL in a path segment or a query value: no OpenStack name holds one, and PostgreSQL
    cannot even compare text that does."""
    for name, value in req.params.items():
        if "\x00" in value:
            raise BadRequest(f"Invalid value for '{name}': it contains NUL.")
    for name, value in req.query.multi_items():
        if "\x00" in value or "\x00" in name:
            raise BadRequest(f"Invalid value for query parameter '{name[:40]}': it contains "
                             "NUL.")


def check_request(spec: RouteSpec, req: ApiRequest[Any], style: validation.Style) -> None:
    """The route's declared contract, before the handler sees the request."""
    if spec.params is not None:
        validation.check(req.params, spec.params, style, where="path")
    if spec.query is not None:
        req.args = validation.check(validation.query_instance(spec.query, req.query), spec.query,
                                    style, where="query")
    if spec.body is not None and not spec.stream:
        schema = (spec.body.for_version(req.version)
                  if isinstance(spec.body, validation.Versioned) else spec.body)
        body = parse_json(req.raw_body)
        validation.check(body, schema, style)
        req.set_json(body)


def build_route(spec: RouteSpec, runtime: ServiceRuntime[Any]) -> Route:
    """Wrap ``spec.handler`` into a Starlette route bound to one service runtime."""

    async def endpoint(request: Request) -> Response:
        started = time.monotonic()
        request_id = new_request_id()
        ctx = RequestContext(request_id=request_id)
        try:
            raw = b""
            if not spec.stream:
                if content_length(request) > MAX_JSON_BODY:
                    raise PayloadTooLarge(reason="Request body is too large.")
                # A client that stops sending (or sends less than it announced) is cut off.
                try:
                    with anyio.fail_after(runtime.body_timeout):
                        raw = await request.body()
                except TimeoutError:
                    raise RequestTimeout(seconds=runtime.body_timeout) from None
            response = await anyio.to_thread.run_sync(_run, request, ctx, raw)
        except ClientDisconnect:
            # Nobody is left to answer; this is the client's doing, not a server error.
            LOG.info("%s %s %s: the client went away", request_id, request.method,
                     request.scope["path"])
            return Response(status_code=499)
        except NimbusError as err:
            response = render(err, runtime.fault_style, request_id,
                              request.headers.get("accept", ""))
        except IntegrityError:
            # A uniqueness or reference check the rules missed (two requests racing, say):
            # the database kept its promise, and the caller gets a conflict, not a 500.
            LOG.warning("%s %s %s hit a database constraint", request_id, request.method,
                        request.scope["path"])
            response = render(Conflict("The request conflicts with the current state of the "
                                       "resource."), runtime.fault_style, request_id,
                              request.headers.get("accept", ""))
        except DataError:
            # A value the database cannot hold in its column (beyond a 32-bit integer, say)
            # that no schema bounded: the caller's input, refused, not a server error.
            LOG.warning("%s %s %s: a value does not fit its column", request_id,
                        request.method, request.scope["path"])
            response = render(BadRequest("A value in the request is out of range for its "
                                         "field."), runtime.fault_style, request_id,
                              request.headers.get("accept", ""))
        except Exception:
            LOG.exception("%s unhandled error on %s %s", request_id, request.method,
                          request.scope["path"])
            response = render(NimbusError(), runtime.fault_style, request_id,
                              request.headers.get("accept", ""))
        runtime.stamp(response.headers, request_id)
        # scope["path"], not request.url.path: building the URL costs more than the log line.
        LOG.info("%s %s %s %s %.1fms", request_id, request.method, request.scope["path"],
                 response.status_code, (time.monotonic() - started) * 1000)
        return response

    def _run(request: Request, ctx: RequestContext, raw: bytes) -> Response:
        microversion = runtime.microversion
        version = None
        if microversion is not None:
            headers = {k.lower(): v for k, v in request.headers.items()}
            version = microversion.negotiate(headers)
        try:
            response = to_response(_handle(request, ctx, raw, version), spec.status)
        except NimbusError as err:
            if version is not None and microversion is not None:
                err.headers.update(microversion.response_headers(version))
            raise
        if version is not None and microversion is not None:
            for name, value in microversion.response_headers(version).items():
                response.headers[name] = value
        return response

    def _handle(request: Request, ctx: RequestContext, raw: bytes,
                version: Version | None) -> Any:
        if not in_range(spec, version):
            raise NotFound("The resource could not be found.")
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
        service_token = request.headers.get("x-service-token")
        if service_token and token:
            # As keystonemiddleware: a service token that does not validate refuses the call.
            service_ctx = RequestContext()
            runtime.authenticate(service_ctx, service_token)
            ctx.service_roles = list(service_ctx.roles)
        req = ApiRequest(request, runtime.state, runtime.enforcer, runtime.prefix, ctx, raw,
                         version, body_timeout=runtime.body_timeout)
        if not runtime.definition.own_name_checks:
            refuse_nul(req)
        if spec.policy is not None:
            req.enforce(spec.policy)
        check_request(spec, req, runtime.validation_style)
        result = spec.handler(req)
        if not spec.policy_free and not ctx.enforced:
            raise AssertionError(f"{spec.handler.__qualname__} did not enforce policy")
        return result

    return Route(spec.path, endpoint, methods=spec.methods, name=spec.handler.__qualname__)
