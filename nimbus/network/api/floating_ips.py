"""/v2.0/floatingips"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.api import common
from nimbus.network.schemas import resources

router = Router()


@router.get("/v2.0/floatingips")
def list_floatingips(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_floatingip")
    return common.listing(req, "floatingip", "floatingips",
                          req.svc.manager.list_floatingips(req.ctx))


@router.post("/v2.0/floatingips", status=201)
def create_floatingip(req: ApiRequest) -> dict[str, Any]:
    body = common.update_body(req, "floatingip")
    attrs = resources.parse(body, resources.FLOATINGIP, create=True)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    common.enforce_attrs(req, "create_floatingip", attrs, target)
    return {"floatingip": req.svc.manager.create_floatingip(req.ctx, attrs)}


@router.get("/v2.0/floatingips/{fip_id}")
def show_floatingip(req: ApiRequest) -> dict[str, Any]:
    item = req.svc.manager.get_floatingip(req.ctx, req.params["fip_id"])
    req.enforce("get_floatingip", item)
    return common.show(req, "floatingip", item)


@router.put("/v2.0/floatingips/{fip_id}")
def update_floatingip(req: ApiRequest) -> dict[str, Any]:
    attrs = resources.parse(common.update_body(req, "floatingip"), resources.FLOATINGIP,
                            create=False)
    item = req.svc.manager.get_floatingip(req.ctx, req.params["fip_id"])
    common.enforce_attrs(req, "update_floatingip", attrs, item)
    return common.show(req, "floatingip",
                       req.svc.manager.update_floatingip(req.ctx, item["id"], attrs))


@router.delete("/v2.0/floatingips/{fip_id}", status=204)
def delete_floatingip(req: ApiRequest) -> Reply:
    item = req.svc.manager.get_floatingip(req.ctx, req.params["fip_id"])
    req.enforce("delete_floatingip", item)
    req.svc.manager.delete_floatingip(req.ctx, item["id"])
    return Reply(None, 204)
