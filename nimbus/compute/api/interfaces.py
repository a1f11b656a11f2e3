"""``/servers/{id}/os-interface``: the server's ports, as the compute API lists them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas.server_views import interface
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound

router = Router()


@router.get(f"{V}/servers/{{server_id}}/os-interface")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's interfaces."""
    row = server_for(req, "os_compute_api:os-attach-interfaces:list")
    return {"interfaceAttachments": [interface(req.at_least, p) for p in row.ports or []]}


@router.get(f"{V}/servers/{{server_id}}/os-interface/{{port_id}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one of a server's interfaces."""
    row = server_for(req, "os_compute_api:os-attach-interfaces:show")
    for port in row.ports or []:
        if port["port_id"] == req.params["port_id"]:
            return {"interfaceAttachment": interface(req.at_least, port)}
    raise NotFound(f"Port {req.params['port_id']} is not attached", resource="port",
                   id=req.params["port_id"])
