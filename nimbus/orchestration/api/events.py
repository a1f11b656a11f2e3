"""A stack's events, and those of one resource (filtered, sorted and paged in SQL)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import LIMIT, MARKER, query
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest
from nimbus.orchestration.api.common import HeatRouter, Req, base, find
from nimbus.orchestration.api.resources import _depth, _reader
from nimbus.orchestration.db.resources import EVENT_SORT, EventFilters
from nimbus.orchestration.manager import views
from nimbus.orchestration.template.errors import EntityNotFound

router = HeatRouter()
LIST_QUERY = query({"limit": LIMIT, "marker": MARKER})


def _filters(req: Req, resource_name: str | None = None) -> EventFilters:
    q = req.query
    return EventFilters(stack_ids=[],
                        resource_name=[resource_name] if resource_name is not None
                        else q.getlist("resource_name"),
                        resource_action=q.getlist("resource_action"),
                        resource_status=q.getlist("resource_status"),
                        resource_type=q.getlist("resource_type"))


def _query(req: Req) -> PageQuery:
    keys = [k for value in req.query.getlist("sort_keys") for k in value.split(",") if k]
    direction = (req.query.get("sort_dir") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise BadRequest("Unknown sort direction, must be one of: asc, desc",
                         heat_type="HTTPBadRequest")
    for key in keys:
        if key not in EVENT_SORT:
            raise BadRequest(f"Invalid sort key {key}", heat_type="HTTPBadRequest")
    keys = keys or ["seq"]
    return PageQuery(limit=req.args.get("limit"), marker=req.args.get("marker") or None,
                     sort=tuple((k, direction) for k in keys))


@router.get("/stacks/{stack_name}/{stack_id}/events", policy_free=True, query=LIST_QUERY)
def index(req: Req) -> dict[str, Any]:
    """List a stack's events."""
    row = find(req, "events:index")
    pairs = _reader(req).events(row, _filters(req), _query(req), _depth(req))
    return {"events": [views.event(base(req), s, e) for s, e in pairs]}


@router.get("/stacks/{stack_name}/{stack_id}/resources/{resource_name}/events",
            policy_free=True, query=LIST_QUERY)
def resource_index(req: Req) -> dict[str, Any]:
    """List a resource's events."""
    row = find(req, "events:index")
    name = req.params["resource_name"]
    pairs = _reader(req).events(row, _filters(req, name), _query(req))
    if not pairs and not req.args.get("marker"):
        # A resource with no events is still found; one the stack lacks is not.
        _reader(req).one(row, name)
    return {"events": [views.event(base(req), s, e) for s, e in pairs]}


@router.get("/stacks/{stack_name}/{stack_id}/resources/{resource_name}/events/{event_id}",
            policy_free=True)
def show(req: Req) -> dict[str, Any]:
    """Show an event."""
    row = find(req, "events:show")
    found = _reader(req).event(row, req.params["event_id"])
    if found.resource_name != req.params["resource_name"]:
        raise EntityNotFound(entity="Event", name=req.params["event_id"])
    return {"event": views.event(base(req), row, found, detail=True)}
