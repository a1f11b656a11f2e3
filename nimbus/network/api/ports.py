"""/v2.0/ports"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.api import common
from nimbus.network.schemas import resources

router = Router()


def _target(req: ApiRequest, port: dict[str, Any], create: bool = False) -> dict[str, Any]:
    return common.network_target(req, port, as_caller=create)


def _checked(req: ApiRequest, action: str, attrs: dict[str, Any],
             target: dict[str, Any]) -> None:
    # Only service-owned device owners (network:*) are privileged, as in Neutron.
    checked = dict(attrs)
    if not str(checked.get("device_owner") or "").startswith("network:"):
        checked.pop("device_owner", None)
    common.enforce_attrs(req, action, checked, target)


@router.get("/v2.0/ports")
def list_ports(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_port")
    return common.listing(req, "port", "ports", req.svc.manager.list_ports(req.ctx))


@router.post("/v2.0/ports", status=201)
def create_port(req: ApiRequest) -> Any:
    items, bulk = common.bodies(req, "port", "ports")
    parsed = [resources.parse(item, resources.PORT, create=True) for item in items]
    for attrs in parsed:
        _checked(req, "create_port", attrs, _target(req, attrs, create=True))
    created = []
    try:
        for attrs in parsed:
            created.append(req.svc.manager.create_port(req.ctx, attrs))
    except Exception:
        for done in created:
            req.svc.manager.delete_port(req.ctx, done["id"], internal=True)
        raise
    shaped = [common.strip(req, "port", p) for p in created]
    return {"ports": shaped} if bulk else {"port": shaped[0]}


@router.get("/v2.0/ports/{port_id}")
def show_port(req: ApiRequest) -> dict[str, Any]:
    port = req.svc.manager.get_port(req.ctx, req.params["port_id"])
    req.enforce("get_port", port)
    return common.show(req, "port", port)


@router.put("/v2.0/ports/{port_id}")
def update_port(req: ApiRequest) -> dict[str, Any]:
    attrs = resources.parse(common.update_body(req, "port"), resources.PORT, create=False)
    port = req.svc.manager.get_port(req.ctx, req.params["port_id"])
    _checked(req, "update_port", attrs, _target(req, port))
    return common.show(req, "port", req.svc.manager.update_port(req.ctx, port["id"], attrs))


@router.delete("/v2.0/ports/{port_id}", status=204)
def delete_port(req: ApiRequest) -> Reply:
    port = req.svc.manager.get_port(req.ctx, req.params["port_id"])
    req.enforce("delete_port", _target(req, port))
    req.svc.manager.delete_port(req.ctx, port["id"])
    return Reply(None, 204)
