"""/v2.0/networks"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import networks as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


def _target(req: ApiRequest[NetworkState], attrs: dict[str, Any]) -> dict[str, Any]:
    return {"project_id": attrs.get("project_id") or req.ctx.project_id,
            "shared": attrs.get("shared", False),
            "router:external": attrs.get("router:external", False), **attrs}


@router.get("/v2.0/networks", query=schemas.LIST_QUERY)
def list_networks(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List networks."""
    req.enforce("get_network")
    wanted = listing.read(req, "network")
    page = req.svc.networks.list_networks(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "network", "networks", page, wanted)


@router.post("/v2.0/networks", status=201, body=schemas.CREATE, faults=(404, 409))
def create_network(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a network, or several."""
    parsed, bulk = shape.created(req, "network", "networks", schemas.ATTRIBUTES)
    for attrs in parsed:
        shape.enforce_attrs(req, "create_network", attrs, _target(req, attrs))
        req.svc.agents.check_hints(attrs.get("availability_zone_hints") or [])
    networks = req.svc.networks
    made = shape.create_all(parsed, lambda attrs: networks.create_network(req.ctx, attrs),
                            lambda net_id: networks.delete_network(req.ctx, net_id))
    shaped = [shape.strip(req, "network", n) for n in made]
    return {"networks": shaped} if bulk else {"network": shaped[0]}


@router.get("/v2.0/networks/{network_id}", query=SHOW_QUERY)
def show_network(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a network."""
    net = req.svc.networks.get_network(req.ctx, req.params["network_id"])
    req.enforce("get_network", net)
    return shape.show(req, "network", net)


@router.put("/v2.0/networks/{network_id}", body=schemas.UPDATE)
def update_network(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Update a network."""
    attrs = shape.updated(req, "network", schemas.ATTRIBUTES)
    net = req.svc.networks.get_network(req.ctx, req.params["network_id"])
    shape.enforce_attrs(req, "update_network", attrs, net)
    net = req.svc.networks.update_network(req.ctx, net["id"], attrs)
    return shape.show(req, "network", net)


@router.delete("/v2.0/networks/{network_id}", status=204, faults=(409,))
def delete_network(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a network and the service's own ports on it."""
    net = req.svc.networks.get_network(req.ctx, req.params["network_id"])
    req.enforce("delete_network", net)
    req.svc.networks.delete_network(req.ctx, net["id"])
    return Reply(None, 204)
