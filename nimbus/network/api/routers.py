"""/v2.0/routers and their add/remove_router_interface actions."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.api import common
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas import resources

router = Router()


@router.get("/v2.0/routers")
def list_routers(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_router")
    return common.listing(req, "router", "routers", req.svc.manager.list_routers(req.ctx))


@router.post("/v2.0/routers", status=201)
def create_router(req: ApiRequest) -> Any:
    items, bulk = common.bodies(req, "router", "routers")
    parsed = [resources.parse(item, resources.ROUTER, create=True) for item in items]
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        common.enforce_attrs(req, "create_router", attrs, target)
    created = [req.svc.manager.create_router(req.ctx, attrs) for attrs in parsed]
    return {"routers": created} if bulk else {"router": created[0]}


@router.get("/v2.0/routers/{router_id}")
def show_router(req: ApiRequest) -> dict[str, Any]:
    item = req.svc.manager.get_router(req.ctx, req.params["router_id"])
    req.enforce("get_router", item)
    return common.show(req, "router", item)


@router.put("/v2.0/routers/{router_id}")
def update_router(req: ApiRequest) -> dict[str, Any]:
    attrs = resources.parse(common.update_body(req, "router"), resources.ROUTER, create=False)
    item = req.svc.manager.get_router(req.ctx, req.params["router_id"])
    common.enforce_attrs(req, "update_router", attrs, item)
    return common.show(req, "router", req.svc.manager.update_router(req.ctx, item["id"], attrs))


@router.delete("/v2.0/routers/{router_id}", status=204)
def delete_router(req: ApiRequest) -> Reply:
    item = req.svc.manager.get_router(req.ctx, req.params["router_id"])
    req.enforce("delete_router", item)
    req.svc.manager.delete_router(req.ctx, item["id"])
    return Reply(None, 204)


def _interface_body(req: ApiRequest) -> dict[str, Any]:
    body = req.body_dict()
    unknown = set(body) - {"subnet_id", "port_id"}
    if unknown:
        raise HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(sorted(unknown))}'")
    if body.get("subnet_id") and body.get("port_id"):
        raise HTTPBadRequest("Cannot specify both subnet-id and port-id")
    if not body.get("subnet_id") and not body.get("port_id"):
        raise HTTPBadRequest("Either subnet_id or port_id must be specified")
    for key in ("subnet_id", "port_id"):
        if body.get(key):
            cv.uuid_str(key, body[key])
    return body


@router.put("/v2.0/routers/{router_id}/add_router_interface")
def add_router_interface(req: ApiRequest) -> dict[str, Any]:
    body = _interface_body(req)
    item = req.svc.manager.get_router(req.ctx, req.params["router_id"])
    req.enforce("add_router_interface", item)
    return req.svc.manager.add_interface(req.ctx, item["id"], body)


@router.put("/v2.0/routers/{router_id}/remove_router_interface")
def remove_router_interface(req: ApiRequest) -> dict[str, Any]:
    body = _interface_body(req)
    item = req.svc.manager.get_router(req.ctx, req.params["router_id"])
    req.enforce("remove_router_interface", item)
    return req.svc.manager.remove_interface(req.ctx, item["id"], body)
