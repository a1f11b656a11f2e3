"""/v2.0/ports"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import ports as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


def _target(req: ApiRequest[NetworkState], port: dict[str, Any], create: bool = False) -> dict[str, Any]:
    return shape.network_target(req, port, as_caller=create)


def _checked(req: ApiRequest[NetworkState], action: str, attrs: dict[str, Any],
             target: dict[str, Any]) -> None:
    # Only service-owned device owners (network:*) are privileged, as in Neutron.
    checked = dict(attrs)
    if not str(checked.get("device_owner") or "").startswith("network:"):
        checked.pop("device_owner", None)
    shape.enforce_attrs(req, action, checked, target)


@router.get("/v2.0/ports", query=schemas.LIST_QUERY)
def list_ports(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List ports."""
    req.enforce("get_port")
    wanted = listing.read(req, "port")
    page = req.svc.ports.list_ports(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "port", "ports", page, wanted)


@router.post("/v2.0/ports", status=201, body=schemas.CREATE, faults=(404, 409))
def create_port(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a port, or several."""
    parsed, bulk = shape.created(req, "port", "ports", schemas.ATTRIBUTES)
    for attrs in parsed:
        _checked(req, "create_port", attrs, _target(req, attrs, create=True))
    ports = req.svc.ports
    made = shape.create_all(parsed, lambda attrs: ports.create_port(req.ctx, attrs),
                            lambda port_id: ports.delete_port(req.ctx, port_id, internal=True))
    shaped = [shape.strip(req, "port", p) for p in made]
    return {"ports": shaped} if bulk else {"port": shaped[0]}


@router.get("/v2.0/ports/{port_id}", query=SHOW_QUERY)
def show_port(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a port."""
    port = req.svc.ports.get_port(req.ctx, req.params["port_id"])
    req.enforce("get_port", port)
    return shape.show(req, "port", port)


@router.put("/v2.0/ports/{port_id}", body=schemas.UPDATE, faults=(409,))
def update_port(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Update a port: addresses, security groups, binding."""
    attrs = shape.updated(req, "port", schemas.ATTRIBUTES)
    port = req.svc.ports.get_port(req.ctx, req.params["port_id"])
    _checked(req, "update_port", attrs, _target(req, port))
    return shape.show(req, "port", req.svc.ports.update_port(req.ctx, port["id"], attrs))


@router.delete("/v2.0/ports/{port_id}", status=204, faults=(409,))
def delete_port(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a port (not a router's or a floating IP's)."""
    port = req.svc.ports.get_port(req.ctx, req.params["port_id"])
    req.enforce("delete_port", _target(req, port))
    req.svc.ports.delete_port(req.ctx, port["id"])
    return Reply(None, 204)
