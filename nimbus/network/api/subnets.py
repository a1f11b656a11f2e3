"""/v2.0/subnets"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.api import common
from nimbus.network.schemas import resources

router = Router()


def _target(req: ApiRequest, subnet: dict[str, Any], create: bool = False) -> dict[str, Any]:
    return common.network_target(req, subnet, as_caller=create)


@router.get("/v2.0/subnets")
def list_subnets(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_subnet")
    return common.listing(req, "subnet", "subnets", req.svc.manager.list_subnets(req.ctx))


@router.post("/v2.0/subnets", status=201)
def create_subnet(req: ApiRequest) -> Any:
    items, bulk = common.bodies(req, "subnet", "subnets")
    parsed = [resources.parse(item, resources.SUBNET, create=True) for item in items]
    for attrs in parsed:
        common.enforce_attrs(req, "create_subnet", attrs, _target(req, attrs, create=True))
    created = []
    try:
        for attrs in parsed:
            created.append(req.svc.manager.create_subnet(req.ctx, attrs))
    except Exception:
        for done in created:
            req.svc.manager.delete_subnet(req.ctx, done["id"])
        raise
    return {"subnets": created} if bulk else {"subnet": created[0]}


@router.get("/v2.0/subnets/{subnet_id}")
def show_subnet(req: ApiRequest) -> dict[str, Any]:
    subnet = req.svc.manager.get_subnet(req.ctx, req.params["subnet_id"])
    req.enforce("get_subnet", _target(req, subnet))
    return common.show(req, "subnet", subnet)


@router.put("/v2.0/subnets/{subnet_id}")
def update_subnet(req: ApiRequest) -> dict[str, Any]:
    attrs = resources.parse(common.update_body(req, "subnet"), resources.SUBNET, create=False)
    subnet = req.svc.manager.get_subnet(req.ctx, req.params["subnet_id"])
    common.enforce_attrs(req, "update_subnet", attrs, _target(req, subnet))
    return common.show(req, "subnet", req.svc.manager.update_subnet(req.ctx, subnet["id"], attrs))


@router.delete("/v2.0/subnets/{subnet_id}", status=204)
def delete_subnet(req: ApiRequest) -> Reply:
    subnet = req.svc.manager.get_subnet(req.ctx, req.params["subnet_id"])
    req.enforce("delete_subnet", _target(req, subnet))
    req.svc.manager.delete_subnet(req.ctx, subnet["id"])
    return Reply(None, 204)
