"""/v2.0/floatingips/{id}/port_forwardings: Neutron's ``floating-ip-port-forwarding``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import port_forwardings as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/floatingips/{fip_id}/port_forwardings"
RESOURCE = "port_forwarding"


def _fip(req: ApiRequest[NetworkState], action: str) -> dict[str, Any]:
    """The floating IP, whose owner the policy checks (a 404 when the caller cannot see it)."""
    fip = req.svc.floating_ips.get_floatingip(req.ctx, req.params["fip_id"])
    req.enforce(action, {"project_id": fip["project_id"]})
    return fip


@router.get(BASE, query=schemas.LIST_QUERY, faults=(404,))
def list_forwardings(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List a floating IP's port forwardings."""
    fip = _fip(req, "get_floatingip_port_forwarding")
    wanted = listing.read(req, RESOURCE)
    page = req.svc.port_forwardings.list_forwardings(req.ctx, fip["id"], wanted.query,
                                                     wanted.filters, wanted.hidden)
    return listing.answer(req, RESOURCE, "port_forwardings", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE, faults=(404,))
def create_forwarding(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Forward a port (or a range) of the floating IP to a port's fixed address."""
    fip = _fip(req, "create_floatingip_port_forwarding")
    [attrs], _ = shape.created(req, RESOURCE, "port_forwardings", schemas.ATTRIBUTES)
    return {RESOURCE: req.svc.port_forwardings.create_forwarding(req.ctx, fip["id"], attrs)}


@router.get(BASE + "/{pf_id}", query=SHOW_QUERY, faults=(404,))
def show_forwarding(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a port forwarding."""
    fip = _fip(req, "get_floatingip_port_forwarding")
    return shape.show(req, RESOURCE, req.svc.port_forwardings.get_forwarding(
        req.ctx, fip["id"], req.params["pf_id"]))


@router.put(BASE + "/{pf_id}", body=schemas.UPDATE, faults=(404,))
def update_forwarding(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Change a port forwarding's ports, target or description."""
    fip = _fip(req, "update_floatingip_port_forwarding")
    attrs = shape.updated(req, RESOURCE, schemas.ATTRIBUTES)
    return shape.show(req, RESOURCE, req.svc.port_forwardings.update_forwarding(
        req.ctx, fip["id"], req.params["pf_id"], attrs))


@router.delete(BASE + "/{pf_id}", status=204, faults=(404,))
def delete_forwarding(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a port forwarding."""
    fip = _fip(req, "delete_floatingip_port_forwarding")
    req.svc.port_forwardings.delete_forwarding(req.ctx, fip["id"], req.params["pf_id"])
    return Reply(None, 204)
