"""/v2.0/floatingips"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import floating_ips as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


@router.get("/v2.0/floatingips", query=schemas.LIST_QUERY)
def list_floatingips(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List floating IPs."""
    req.enforce("get_floatingip")
    wanted = listing.read(req, "floatingip")
    page = req.svc.floating_ips.list_floatingips(req.ctx, wanted.query, wanted.filters,
                                                 wanted.hidden)
    return listing.answer(req, "floatingip", "floatingips", page, wanted)


@router.post("/v2.0/floatingips", status=201, body=schemas.CREATE, faults=(404, 409))
def create_floatingip(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Allocate a floating IP, associated with a port if one is named."""
    attrs = shape.updated(req, "floatingip", schemas.ATTRIBUTES)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    shape.enforce_attrs(req, "create_floatingip", attrs, target)
    return {"floatingip": req.svc.floating_ips.create_floatingip(req.ctx, attrs)}


@router.get("/v2.0/floatingips/{fip_id}", query=SHOW_QUERY)
def show_floatingip(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a floating IP."""
    item = req.svc.floating_ips.get_floatingip(req.ctx, req.params["fip_id"])
    req.enforce("get_floatingip", item)
    return shape.show(req, "floatingip", item)


@router.put("/v2.0/floatingips/{fip_id}", body=schemas.UPDATE, faults=(409,))
def update_floatingip(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Associate a floating IP with a port, or dissociate it."""
    attrs = shape.updated(req, "floatingip", schemas.ATTRIBUTES)
    item = req.svc.floating_ips.get_floatingip(req.ctx, req.params["fip_id"])
    shape.enforce_attrs(req, "update_floatingip", attrs, item)
    return shape.show(req, "floatingip",
                      req.svc.floating_ips.update_floatingip(req.ctx, item["id"], attrs))


@router.delete("/v2.0/floatingips/{fip_id}", status=204)
def delete_floatingip(req: ApiRequest[NetworkState]) -> Reply:
    """Release a floating IP."""
    item = req.svc.floating_ips.get_floatingip(req.ctx, req.params["fip_id"])
    req.enforce("delete_floatingip", item)
    req.svc.floating_ips.delete_floatingip(req.ctx, item["id"])
    return Reply(None, 204)
