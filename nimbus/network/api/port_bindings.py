"""/v2.0/ports/{port_id}/bindings: a port bound to several hosts (``binding-extended``), for
the compute service while it moves a running guest, and for admins."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.state import NetworkState

router = Router()

_CREATE = {"type": "object", "required": ["binding"], "additionalProperties": False,
           "properties": {"binding": {
               "type": "object", "required": ["host"], "additionalProperties": False,
               "properties": {
                   "host": {"type": "string", "minLength": 1, "maxLength": 255},
                   "vnic_type": {"type": "string", "enum": [
                       "normal", "direct", "macvtap", "baremetal", "direct-physical",
                       "virtio-forwarder", "smart-nic", "vdpa", "accelerator-direct",
                       "accelerator-direct-physical", "remote-managed"]},
                   "profile": {"type": "object"}}}}}


@router.get("/v2.0/ports/{port_id}/bindings")
def list_bindings(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The port's bindings: its active one and those made for other hosts."""
    req.enforce("get_port_binding")
    return {"bindings": req.svc.port_bindings.list_bindings(req.ctx, req.params["port_id"])}


@router.post("/v2.0/ports/{port_id}/bindings", status=201, body=_CREATE, faults=(404, 409))
def create_binding(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Bind the port to another host as well (INACTIVE until activated)."""
    req.enforce("create_port_binding")
    return {"binding": req.svc.port_bindings.create_binding(
        req.ctx, req.params["port_id"], req.json["binding"])}


@router.get("/v2.0/ports/{port_id}/bindings/{host}", faults=(404,))
def show_binding(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The port's binding to one host."""
    req.enforce("get_port_binding")
    return {"binding": req.svc.port_bindings.get_binding(req.ctx, req.params["port_id"],
                                                         req.params["host"])}


@router.put("/v2.0/ports/{port_id}/bindings/{host}/activate", faults=(404, 409))
def activate_binding(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Make the host's binding the port's active one."""
    req.enforce("activate")
    return {"binding": req.svc.port_bindings.activate(req.ctx, req.params["port_id"],
                                                      req.params["host"])}


@router.delete("/v2.0/ports/{port_id}/bindings/{host}", status=204, faults=(404, 409))
def delete_binding(req: ApiRequest[NetworkState]) -> Reply:
    """Remove an inactive binding."""
    req.enforce("delete_port_binding")
    req.svc.port_bindings.delete_binding(req.ctx, req.params["port_id"], req.params["host"])
    return Reply(None, 204)
