"""``/servers/{id}/os-interface``: the server's ports, as the compute API lists them, and
attaching or detaching one."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas.interfaces import ATTACH
from nimbus.compute.schemas.server_views import interface
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound

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


@router.post(f"{V}/servers/{{server_id}}/os-interface", body=ATTACH, faults=(409,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Attach a port (or a new one on a network) to a server."""
    row = server_for(req, "os_compute_api:os-attach-interfaces:create")
    wanted = dict(req.json.get("interfaceAttachment") or {})
    if "tag" in wanted and not req.at_least("2.49"):
        raise BadRequest("Additional properties are not allowed ('tag' was unexpected)")
    port = req.svc.interfaces.attach(req.ctx, row, wanted)
    return {"interfaceAttachment": interface(req.at_least, port)}


@router.delete(f"{V}/servers/{{server_id}}/os-interface/{{port_id}}", status=202,
               faults=(409,))
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Detach a port from a server."""
    row = server_for(req, "os_compute_api:os-attach-interfaces:delete")
    req.svc.interfaces.detach(req.ctx, row, req.params["port_id"])
    return Reply(None, 202)
