"""User messages (3.3+): what went wrong with the caller's volumes and snapshots after the API
had answered (a create its backend failed, work a restart could not resume)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import (
    VolumeRouter,
    base_url,
    listing_scope,
    next_link,
    page_query,
    scope,
)
from nimbus.volume.manager.messages import MessageFilters
from nimbus.volume.schemas import messages as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()
MIN_VERSION = "3.3"


def _owned(req: ApiRequest[VolumeState], action: str) -> dict[str, Any]:
    msg = req.svc.messages.get(req.params["message_id"], scope(req))
    req.enforce(action, target={"project_id": msg["project_id"]})
    return msg


@router.get("/messages", min_version=MIN_VERSION, query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List the project's messages."""
    req.enforce("message:get_all")
    filters = MessageFilters(project_id=listing_scope(req),
                             **{key: req.args.get(key) or None for key in (
                                 "resource_uuid", "resource_type", "event_id", "request_id",
                                 "message_level")})
    query = page_query(req)
    found = req.svc.messages.listing(filters, query).items
    items = [schema.view(m, base_url(req)) for m in found]
    result: dict[str, Any] = {"messages": items}
    links = next_link(req, "messages", items, query.limit)
    if links:
        result["messages_links"] = links
    return result


@router.get("/messages/{message_id}", min_version=MIN_VERSION)
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a message."""
    return {"message": schema.view(_owned(req, "message:get"), base_url(req))}


@router.delete("/messages/{message_id}", status=204, min_version=MIN_VERSION)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a message."""
    msg = _owned(req, "message:delete")
    req.svc.messages.delete(msg["id"], None)
    return Reply(None, status=204)
