"""``/servers/{id}/os-volume_attachments``: list, show, attach and detach volumes."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas import volume_attachments as schemas
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()
BASE = f"{V}/servers/{{server_id}}/os-volume_attachments"


@router.get(BASE, query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the volumes attached to a server."""
    row = server_for(req, "os_compute_api:os-volumes-attachments:index")
    bdms = req.svc.volume_attachments.window(row, req.args.get("limit"),
                                           req.args.get("offset") or 0)
    return {"volumeAttachments": [schemas.view(req.at_least, b) for b in bdms]}


@router.get(f"{BASE}/{{volume_id}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one volume attachment."""
    row = server_for(req, "os_compute_api:os-volumes-attachments:show")
    bdm = req.svc.volume_attachments.get(row, req.params["volume_id"])
    return {"volumeAttachment": schemas.view(req.at_least, bdm)}


@router.post(BASE, body=schemas.CREATE, faults=(409,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Attach a volume to a server."""
    row = server_for(req, "os_compute_api:os-volumes-attachments:create")
    body = req.json["volumeAttachment"]
    bdm = req.svc.volume_attachments.attach(
        req.ctx, row, body["volumeId"], body.get("device"), body.get("tag"),
        as_bool(body.get("delete_on_termination", False)), offloaded_ok=req.at_least("2.20"))
    return {"volumeAttachment": schemas.view(req.at_least, bdm)}


@router.delete(f"{BASE}/{{volume_id}}", status=202, faults=(409,))
def delete(req: ApiRequest[ComputeState]) -> None:
    """Detach a volume from a server."""
    row = server_for(req, "os_compute_api:os-volumes-attachments:delete")
    req.svc.volume_attachments.detach(req.ctx, row, req.params["volume_id"],
                                      offloaded_ok=req.at_least("2.20"))
