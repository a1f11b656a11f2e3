"""/v2.0/routers and their add/remove_router_interface actions."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas import routers as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


@router.get("/v2.0/routers", query=schemas.LIST_QUERY)
def list_routers(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List routers."""
    req.enforce("get_router")
    wanted = listing.read(req, "router")
    page = req.svc.routers.list_routers(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "router", "routers", page, wanted)


@router.post("/v2.0/routers", status=201, body=schemas.CREATE, faults=(404, 409))
def create_router(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a router, or several."""
    parsed, bulk = shape.created(req, "router", "routers", schemas.ATTRIBUTES)
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        shape.enforce_attrs(req, "create_router", attrs, target)
        req.svc.agents.check_hints(attrs.get("availability_zone_hints") or [])
    made = shape.create_all(parsed, lambda attrs: req.svc.routers.create_router(req.ctx, attrs),
                            None)
    return {"routers": made} if bulk else {"router": made[0]}


@router.get("/v2.0/routers/{router_id}", query=SHOW_QUERY)
def show_router(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a router."""
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce("get_router", item)
    return shape.show(req, "router", item)


@router.put("/v2.0/routers/{router_id}", body=schemas.UPDATE, faults=(409,))
def update_router(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Update a router: its gateway, routes, state."""
    attrs = shape.updated(req, "router", schemas.ATTRIBUTES)
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    shape.enforce_attrs(req, "update_router", attrs, item)
    return shape.show(req, "router", req.svc.routers.update_router(req.ctx, item["id"], attrs))


@router.delete("/v2.0/routers/{router_id}", status=204, faults=(409,))
def delete_router(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a router that has no interfaces left."""
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce("delete_router", item)
    req.svc.routers.delete_router(req.ctx, item["id"])
    return Reply(None, 204)


def _interface_body(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    body: dict[str, Any] = req.json
    if body.get("subnet_id") and body.get("port_id"):
        raise HTTPBadRequest("Cannot specify both subnet-id and port-id")
    if not body.get("subnet_id") and not body.get("port_id"):
        raise HTTPBadRequest("Either subnet_id or port_id must be specified")
    return body


@router.put("/v2.0/routers/{router_id}/add_router_interface", body=schemas.INTERFACE,
            faults=(409,))
def add_router_interface(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add an interface on a subnet, or adopt a port as one."""
    body = _interface_body(req)
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce("add_router_interface", item)
    return req.svc.router_interfaces.add_interface(req.ctx, item["id"], body)


@router.put("/v2.0/routers/{router_id}/remove_router_interface", body=schemas.INTERFACE,
            faults=(409,))
def remove_router_interface(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Remove an interface, by its subnet or its port."""
    body = _interface_body(req)
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce("remove_router_interface", item)
    return req.svc.router_interfaces.remove_interface(req.ctx, item["id"], body)


@router.put("/v2.0/routers/{router_id}/add_extraroutes", body=schemas.EXTRAROUTES,
            faults=(404,))
def add_extraroutes(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add routes to the router's, leaving the others (extraroute-atomic)."""
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce("add_extraroutes", item)
    routes = shape.updated(req, "router", schemas.EXTRAROUTE_ATTRIBUTES)["routes"]
    return {"router": req.svc.routers.change_routes(req.ctx, item["id"], routes, add=True)}


@router.put("/v2.0/routers/{router_id}/remove_extraroutes", body=schemas.EXTRAROUTES,
            faults=(404,))
def remove_extraroutes(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Take routes off the router's, leaving the others (extraroute-atomic)."""
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce("remove_extraroutes", item)
    routes = shape.updated(req, "router", schemas.EXTRAROUTE_ATTRIBUTES)["routes"]
    return {"router": req.svc.routers.change_routes(req.ctx, item["id"], routes, add=False)}
