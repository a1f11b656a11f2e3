"""Helpers the identity API modules share: list filters, Keystone's paging links, times."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from nimbus.core.api import paging
from nimbus.core.api.request import ApiRequest
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest
from nimbus.identity.state import IdentityState


def base(req: ApiRequest[IdentityState]) -> str:
    return req.service_url


def filters(req: ApiRequest[IdentityState], *names: str) -> dict[str, Any]:
    """The named query parameters present, ``enabled`` read as a boolean."""
    out: dict[str, Any] = {}
    for name in names:
        value = req.query.get(name)
        if value is not None:
            out[name] = req.query_bool(name) if name == "enabled" else value
    return out


def page_query(req: ApiRequest[IdentityState]) -> PageQuery | None:
    """The page asked for, or None: without ``limit`` or ``marker`` a list is whole."""
    if not (req.query.get("limit") or req.query.get("marker")):
        return None
    return paging.page_query(req, sort=[("id", "asc")])


def paged_links(req: ApiRequest[IdentityState], body: dict[str, Any], query: PageQuery, page: Page[Any],
                max_limit: int) -> dict[str, Any]:
    """Keystone's paging marks on a list body: ``truncated`` and the ``next`` link once a page
    is full (Keystone cannot tell whether more rows follow, so a full page always links on)."""
    if query.limit is None:
        return body
    limit = min(query.limit, max_limit)
    if len(page.items) >= limit:
        body["truncated"] = True
        if page.items:
            args = dict(req.query.items())
            args["marker"] = page.items[-1].id
            args["limit"] = str(limit)
            body["links"]["next"] = f"{req.host_url}{req.path}?{urlencode(args)}"
    return body


def parse_time(field: str, value: Any) -> dt.datetime | None:
    """An ISO 8601 time as naive UTC; a 400 naming ``field`` when it is not one."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid input for field '{field}': '{value}' is not a valid "
                         f"date-time.") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when
