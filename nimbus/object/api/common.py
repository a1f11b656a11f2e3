"""What every object-storage handler shares: accounts, policy, transaction ids, replies."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import BadRequest, NimbusError, NotFound, PolicyNotAuthorized
from nimbus.object.db.queries import ListingQuery
from nimbus.object.errors import PreconditionFailed
from nimbus.object.schemas.listing import check_delimiter

RESELLER_PREFIX = "AUTH_"
TEXT_HTML = "text/html; charset=UTF-8"
TRUE_VALUES = {"true", "1", "yes", "on", "t", "y"}


def trans_id(request_id: str) -> str:
    """Swift's transaction id (``tx`` + 21 hex + ``-`` + hex time), derived from the request id."""
    digits = "".join(c for c in request_id.removeprefix("req-") if c in "0123456789abcdef")
    return f"tx{(digits + '0' * 21)[:21]}-{int(time.time()):010x}"


def swift_view(func: Callable[[ApiRequest], Response]) -> Callable[[ApiRequest], Response]:
    """Every answer, error or not, carries X-Trans-Id as Swift's do."""

    @functools.wraps(func)
    def wrapper(req: ApiRequest) -> Response:
        tx = trans_id(req.ctx.request_id)
        try:
            response = func(req)
        except NimbusError as err:
            err.headers.setdefault("X-Trans-Id", tx)
            raise
        response.headers["X-Trans-Id"] = tx
        return response

    return wrapper


def account_of(req: ApiRequest) -> str:
    return req.params["account"]


def project_of(account: str) -> str | None:
    """The project an account belongs to; None for a name outside our reseller prefix."""
    return account[len(RESELLER_PREFIX):] if account.startswith(RESELLER_PREFIX) else None


def authorize(req: ApiRequest, action: str, account: str) -> None:
    """Check ``action`` against the account's project: another project's account is a 403."""
    req.enforce(action, {"project_id": project_of(account) or ""})


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


def listing_query(req: ApiRequest, max_limit: int, with_path: bool) -> ListingQuery:
    """Swift's listing parameters; a limit over the maximum is a 412, as Swift answers."""
    limit = req.query_int("limit", default=max_limit)
    assert limit is not None
    if limit > max_limit:
        raise PreconditionFailed(reason=f"Maximum limit is {max_limit}")
    path = req.query.get("path") if with_path else None
    for name in ("marker", "end_marker", "prefix", "delimiter", "path"):
        if "\x00" in (req.query.get(name) or ""):
            raise BadRequest(f"Invalid {name}")
    return ListingQuery(
        limit=limit,
        marker=req.query.get("marker") or None,
        end_marker=req.query.get("end_marker") or None,
        prefix=req.query.get("prefix") or None,
        delimiter=check_delimiter(req.query.get("delimiter")),
        reverse=truthy(req.query.get("reverse")),
        path=path,
    )


def stats_headers(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items() if value is not None}


def _grants(req: ApiRequest, acl: str | None, listing: bool) -> bool:
    """Whether a container ACL (``X-Container-Read``/``-Write``) lets the caller in.

    Entries are ``<project>:<user>`` (ids or names, ``*`` for any), a bare role name, or the
    referrer forms ``.r:*`` (anyone may read objects) with ``.rlistings`` (and list them).
    """
    ctx = req.ctx
    entries = [e.strip() for e in (acl or "").split(",") if e.strip()]
    if ".r:*" in entries and (not listing or ".rlistings" in entries):
        return True
    for entry in entries:
        if entry.startswith("."):
            continue
        project, sep, user = entry.partition(":")
        if not sep:
            if entry in ctx.roles:
                return True
            continue
        if project in ("*", ctx.project_id, ctx.project_name) and \
                user in ("*", ctx.user_id, ctx.user_name):
            return True
    return False


def authorize_in_container(req: ApiRequest, action: str, account: str, container: str,
                           kind: str, listing: bool = False) -> bool:
    """Policy first; failing that the container's ``kind`` ACL. True when the caller owns it."""
    try:
        authorize(req, action, account)
        return True
    except PolicyNotAuthorized:
        try:
            info = req.svc.manager.container_info(account, container)
        except NotFound:
            raise PolicyNotAuthorized(action=action) from None
        acl = info.read_acl if kind == "read" else info.write_acl
        if not _grants(req, acl, listing):
            raise
        return False
