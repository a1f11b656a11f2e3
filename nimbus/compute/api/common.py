"""Helpers every compute API module uses: the caller's view, finding a server, next links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from nimbus.compute.manager.servers import Instance
from nimbus.compute.schemas.server_views import ViewContext
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import BadRequest

V = "/v2.1"
T = TypeVar("T")


def view_of(req: ApiRequest[ComputeState]) -> ViewContext:
    return ViewContext(
        base_url=req.service_url, at_least=req.at_least, is_admin=req.ctx.is_admin,
        show_extended=req.allowed("os_compute_api:os-extended-server-attributes"),
        show_host_status=req.allowed("os_compute_api:servers:show:host_status"),
        host_up=req.svc.hosts.agent_up, zone_of=req.svc.hosts.zone_lookup(),
    )


def server_for(req: ApiRequest[ComputeState], action: str, server_id: str | None = None) -> Instance:
    """The server in the path, visible to the caller (404 otherwise), with ``action`` enforced."""
    row = req.svc.servers.get(req.ctx, server_id or req.params["server_id"])
    req.enforce(action, {"project_id": row.project_id, "user_id": row.user_id})
    return row


def next_links(req: ApiRequest[ComputeState], items: Sequence[T],
               marker_of: Callable[[T], str]) -> list[dict[str, Any]]:
    """Nova's ``<collection>_links``: a ``next`` link whenever the page is full (the limit asked
    for, or the most a page holds), naming the page's last item as the marker."""
    most = req.svc.settings.max_limit
    asked = paging.limit_of(req)
    limit = most if asked is None or asked > most else asked
    if not items or len(items) != limit:
        return []
    return [{"rel": "next", "href": paging.next_href(req, marker_of(items[-1]))}]


def tag_list(value: str | None) -> list[str]:
    """``tags=a,b`` as a list (empty when absent)."""
    return [t for t in (value or "").split(",") if t]


def changes_time(req: ApiRequest[ComputeState], name: str) -> dt.datetime | None:
    """A ``changes-since``/``changes-before`` time, as naive UTC; a 400 naming it if it is not
    an ISO 8601 time."""
    value = req.args.get(name)
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid input for query parameters {name}. Value: {value}. "
                         f"'{value}' is not a 'date-time'") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when
