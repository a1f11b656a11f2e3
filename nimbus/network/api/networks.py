"""/v2.0/networks"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.api import common
from nimbus.network.schemas import resources

router = Router()


def _target(req: ApiRequest, attrs: dict[str, Any]) -> dict[str, Any]:
    return {"project_id": attrs.get("project_id") or req.ctx.project_id,
            "shared": attrs.get("shared", False),
            "router:external": attrs.get("router:external", False), **attrs}


@router.get("/v2.0/networks")
def list_networks(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_network")
    return common.listing(req, "network", "networks", req.svc.manager.list_networks(req.ctx))


@router.post("/v2.0/networks", status=201)
def create_network(req: ApiRequest) -> Any:
    items, bulk = common.bodies(req, "network", "networks")
    parsed = [resources.parse(item, resources.NETWORK, create=True) for item in items]
    for attrs in parsed:
        common.enforce_attrs(req, "create_network", attrs, _target(req, attrs))
    created = []
    try:
        for attrs in parsed:
            created.append(req.svc.manager.create_network(req.ctx, attrs))
    except Exception:
        for done in created:
            req.svc.manager.delete_network(req.ctx, done["id"])
        raise
    shaped = [common.strip(req, "network", n) for n in created]
    return {"networks": shaped} if bulk else {"network": shaped[0]}


@router.get("/v2.0/networks/{network_id}")
def show_network(req: ApiRequest) -> dict[str, Any]:
    net = req.svc.manager.get_network(req.ctx, req.params["network_id"])
    req.enforce("get_network", net)
    return common.show(req, "network", net)


@router.put("/v2.0/networks/{network_id}")
def update_network(req: ApiRequest) -> dict[str, Any]:
    attrs = resources.parse(common.update_body(req, "network"), resources.NETWORK, create=False)
    net = req.svc.manager.get_network(req.ctx, req.params["network_id"])
    common.enforce_attrs(req, "update_network", attrs, net)
    net = req.svc.manager.update_network(req.ctx, net["id"], attrs)
    return common.show(req, "network", net)


@router.delete("/v2.0/networks/{network_id}", status=204)
def delete_network(req: ApiRequest) -> Reply:
    net = req.svc.manager.get_network(req.ctx, req.params["network_id"])
    req.enforce("delete_network", net)
    req.svc.manager.delete_network(req.ctx, net["id"])
    return Reply(None, 204)
