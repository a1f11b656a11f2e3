"""``/servers/{id}/os-instance-actions``: what was done to a server, and how it went."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.compute.api.common import V, next_links, server_for
from nimbus.compute.schemas import instance_actions as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest

router = Router()


def _time(req: ApiRequest[ComputeState], name: str) -> dt.datetime | None:
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


@router.get(f"{V}/servers/{{server_id}}/os-instance-actions", query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's actions (paged from 2.58)."""
    row = server_for(req, "os_compute_api:os-instance-actions:list")
    if not req.at_least("2.58"):
        listed = req.svc.actions.page(row.uuid).items
        return {"instanceActions": [schemas.action(req.at_least, a) for a in listed]}
    since = _time(req, "changes-since")
    before = _time(req, "changes-before") if req.at_least("2.66") else None
    page = req.svc.actions.page(row.uuid, paging.page_query(req, sort=[]),
                                changes_since=since, changes_before=before)
    result: dict[str, Any] = {"instanceActions": [schemas.action(req.at_least, a)
                                                  for a in page.items]}
    links = next_links(req, page.items, lambda a: a.request_id)
    if links:
        result["links"] = links
    return result


@router.get(f"{V}/servers/{{server_id}}/os-instance-actions/{{request_id}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one action of a server, with its events as the caller may see them."""
    row = server_for(req, "os_compute_api:os-instance-actions:show")
    action, events = req.svc.actions.get(row.uuid, req.params["request_id"])
    body = schemas.action(req.at_least, action)
    target = {"project_id": row.project_id}
    show_events = req.at_least("2.51") or req.allowed("os_compute_api:os-instance-actions:events",
                                                      target)
    details = req.allowed("os_compute_api:os-instance-actions:events:details", target)
    if show_events:
        body["events"] = [schemas.event(req.at_least, e, row.project_id, details)
                          for e in events]
    return {"instanceAction": body}

