"""/v2.0/segments: Neutron's ``segment`` extension, for admins."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import segments as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/segments"


@router.get(BASE, query=schemas.LIST_QUERY)
def list_segments(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List every network's segments (none, for a caller who may see none)."""
    if not req.decide("get_segment"):
        return {"segments": []}
    wanted = listing.read(req, "segment")
    page = req.svc.segments.list_segments(wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "segment", "segments", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE, faults=(404, 409))
def create_segment(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add a segment to a network."""
    [attrs], _ = shape.created(req, "segment", "segments", schemas.ATTRIBUTES)
    shape.enforce_attrs(req, "create_segment", attrs, {"project_id": req.ctx.project_id})
    return {"segment": req.svc.segments.create_segment(attrs)}


@router.get(BASE + "/{segment_id}", query=SHOW_QUERY, faults=(404,))
def show_segment(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a segment."""
    shape.enforce_seen(req, "get_segment", seen="get_segment")
    return shape.show(req, "segment", req.svc.segments.get_segment(req.params["segment_id"]))


@router.put(BASE + "/{segment_id}", body=schemas.UPDATE, faults=(404,))
def update_segment(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Rename or describe a segment."""
    attrs = shape.updated(req, "segment", schemas.ATTRIBUTES)
    shape.enforce_seen(req, "update_segment", seen="get_segment")
    return shape.show(req, "segment",
                      req.svc.segments.update_segment(req.params["segment_id"], attrs))


@router.delete(BASE + "/{segment_id}", status=204, faults=(404, 409))
def delete_segment(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a segment that no subnet is on."""
    shape.enforce_seen(req, "delete_segment", seen="get_segment")
    req.svc.segments.delete_segment(req.params["segment_id"])
    return Reply(None, 204)
