"""``/servers/{id}/os-server-password``: the encrypted password a guest posted to the
metadata service, shown to the server's owner and cleared by them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()
PASSWORD = f"{V}/servers/{{server_id}}/os-server-password"


@router.get(PASSWORD)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the server's encrypted password ("" when it has none)."""
    row = server_for(req, "os_compute_api:os-server-password:show")
    return {"password": row.server_password or ""}


@router.delete(PASSWORD, status=204)
def clear(req: ApiRequest[ComputeState]) -> None:
    """Clear the server's encrypted password; the guest itself is not changed."""
    row = server_for(req, "os_compute_api:os-server-password:clear")
    req.svc.servers.update(row, server_password=None)
