"""``/servers/{id}/ips``: the server's addresses, by network."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas.server_views import addresses
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound

router = Router()


@router.get(f"{V}/servers/{{server_id}}/ips")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's addresses."""
    row = server_for(req, "os_compute_api:ips:index")
    return {"addresses": addresses(list(row.ports or []))}


@router.get(f"{V}/servers/{{server_id}}/ips/{{network}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a server's addresses on one network."""
    row = server_for(req, "os_compute_api:ips:show")
    found = addresses(list(row.ports or []))
    label = req.params["network"]
    if label not in found:
        raise NotFound("Instance is not a member of specified network")
    return {label: found[label]}
