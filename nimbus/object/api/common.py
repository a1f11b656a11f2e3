"""What every object-storage handler shares: accounts, policy, transaction ids, replies."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from nimbus.core.api import validation
from nimbus.core.api.routing import ApiRequest
from nimbus.core.api.validation import Schema
from nimbus.core.errors import NimbusError, NotFound, PolicyNotAuthorized, Unauthorized
from nimbus.object.api import grants as access_grants
from nimbus.object.constants import RESELLER_PREFIX
from nimbus.object.errors import PreconditionFailed
from nimbus.object.manager.account_acls import NEEDED, Level
from nimbus.object.manager.acls import Caller, grants
from nimbus.object.manager.records import ListingQuery, ObjectInfo
from nimbus.object.schemas.constraints import check_query_string, strict_unquote
from nimbus.object.state import ObjectState

TEXT_HTML = "text/html; charset=UTF-8"
TRUE_VALUES = {"true", "1", "yes", "on", "t", "y"}
# How a request that breaks its declared query is worded (the service's fault style).
STYLE = "swift"

View = Callable[[ApiRequest[ObjectState]], Response]
# One of Swift's middlewares: it sees the request before the handler (the next filter, in the
# end the handler itself: ``View``), and may answer it alone or change the answer.
Filter = Callable[[ApiRequest[ObjectState], View], Response]
#: The middleware pipeline, outermost first; ``service.py`` installs it (``api/pipeline.py``).
FILTERS: list[Filter] = []


def trans_id(request_id: str) -> str:
    """Swift's transaction id (``tx`` + 21 hex + ``-`` + hex time), derived from the request id."""
    digits = "".join(c for c in request_id.removeprefix("req-") if c in "0123456789abcdef")
    return f"tx{(digits + '0' * 21)[:21]}-{int(time.time()):010x}"


def swift_view(func: View) -> View:
    """Every answer, error or not, carries X-Trans-Id as Swift's do."""

    @functools.wraps(func)
    def wrapper(req: ApiRequest[ObjectState]) -> Response:
        tx = trans_id(req.ctx.request_id)
        try:
            check_raw(req)
            response = _through(FILTERS, func, req)
        except NimbusError as err:
            err.headers.setdefault("X-Trans-Id", tx)
            raise
        response.headers["X-Trans-Id"] = tx
        return response

    return wrapper


def _through(filters: list[Filter], func: View, req: ApiRequest[ObjectState]) -> Response:
    if not filters:
        return func(req)
    return filters[0](req, functools.partial(_through, filters[1:], func))


def check_raw(req: ApiRequest[ObjectState]) -> None:
    """The path and query as the client sent them must be UTF-8 without NUL.

    The decoded path the router matched has undecodable bytes replaced by U+FFFD, so the check
    reads the raw one (412, as Swift's proxy answers); a query parameter that is not UTF-8 is
    Swift's 400.
    """
    strict_unquote(req.raw_path)
    if req.raw_query:
        check_query_string(req.raw_query)


def account_of(req: ApiRequest[ObjectState]) -> str:
    return req.params["account"]


def project_of(account: str) -> str | None:
    """The project an account belongs to; None for a name outside our reseller prefix."""
    return account[len(RESELLER_PREFIX):] if account.startswith(RESELLER_PREFIX) else None


def authorize(req: ApiRequest[ObjectState], action: str, account: str) -> None:
    """Check ``action`` against the account's project: another project's account is a 403,
    and a caller without a token (on a route that lets one in) is asked for one (401)."""
    try:
        req.enforce(action, {"project_id": project_of(account) or ""})
    except PolicyNotAuthorized:
        if req.ctx.user_id is None:
            raise Unauthorized() from None
        if account_access(req, account) >= NEEDED.get(action, Level.ADMIN):
            return  # the account's ACL lets this caller in (X-Account-Access-Control)
        raise


def caller_of(req: ApiRequest[ObjectState]) -> Caller:
    ctx = req.ctx
    return Caller(ctx.project_id, ctx.project_name, ctx.user_id, ctx.user_name, ctx.roles)


def account_access(req: ApiRequest[ObjectState], account: str) -> int:
    """How far the account's ACL lets the caller in (0: not at all)."""
    return req.svc.account_acls.level(account, caller_of(req)) or 0


def reply(status: int, headers: Mapping[str, str] | None = None, body: bytes | str = b"",
          content_type: str = TEXT_HTML, length: int | None = None) -> Response:
    """A response with exactly the headers given, plus Content-Type and Content-Length."""
    data = body.encode() if isinstance(body, str) else body
    all_headers = {"Content-Type": content_type,
                   "Content-Length": str(len(data) if length is None else length)}
    all_headers.update(headers or {})
    return Response(data, status_code=status, headers=all_headers)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_VALUES


def check_query(req: ApiRequest[ObjectState], schema: Schema) -> None:
    """Check the query against ``schema`` as the dispatcher does a route's own, for a request
    one route hands to another's handler (``.../container/`` is the container)."""
    req.args = validation.check(validation.query_instance(schema, req.query), schema, STYLE,
                                where="query")


def listing_query(req: ApiRequest[ObjectState], max_limit: int) -> ListingQuery:
    """Swift's listing parameters (already checked); a limit over the maximum is a 412."""
    args = req.args
    limit: int | None = args.get("limit")
    if limit is None:
        limit = max_limit
    if limit > max_limit:
        raise PreconditionFailed(reason=f"Maximum limit is {max_limit}")
    return ListingQuery(
        limit=limit,
        marker=args.get("marker") or None,
        end_marker=args.get("end_marker") or None,
        prefix=args.get("prefix") or None,
        delimiter=args.get("delimiter") or None,
        reverse=truthy(args.get("reverse")),
        path=args.get("path"),
    )


def stats_headers(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items() if value is not None}


def authorize_in_container(req: ApiRequest[ObjectState], action: str, account: str,
                           container: str, kind: str, listing: bool = False) -> bool:
    """A signed grant (a temporary URL) first, then policy, then the container's ``kind`` ACL.
    True when the caller owns the account."""
    if access_grants.covers(account, container):
        return False
    try:
        authorize(req, action, account)
        return True
    except (PolicyNotAuthorized, Unauthorized):
        ctx = req.ctx
        try:
            info = req.svc.containers.container_info(account, container)
        except NotFound:
            info = None
        acl = None if info is None else info.read_acl if kind == "read" else info.write_acl
        caller = Caller(ctx.project_id, ctx.project_name, ctx.user_id, ctx.user_name, ctx.roles)
        if not grants(acl, caller, listing, req.headers.get("referer"),
                      referrers=kind == "read"):
            if ctx.user_id is None:
                # No token (or one that did not validate): Swift asks for one.
                raise Unauthorized() from None
            raise PolicyNotAuthorized(action=action) from None
        return False


def authorize_segments(req: ApiRequest[ObjectState], info: ObjectInfo, owner: bool) -> None:
    """A dynamic large object is read as the caller all the way: a caller who may read the
    manifest only through its container's ACL must also be let into the segments' container
    (and list it), as Swift's DLO middleware reads them with the caller's own token."""
    if owner or not info.segments:
        return
    container = info.segments[0].container
    if container != info.container:
        authorize_in_container(req, "object:object:get", info.account, container, "read",
                               listing=True)
