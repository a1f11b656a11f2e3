"""``PUT /servers/{id}/os-volume_attachments/{volume_id}``: swap the volume behind an attachment
(Cinder asks for it while it migrates the volume) or, from 2.85, update the attachment."""

from __future__ import annotations

from nimbus.compute.api.common import V
from nimbus.compute.schemas import volume_swap as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()


@router.put(f"{V}/servers/{{server_id}}/os-volume_attachments/{{volume_id}}", status=202,
            body=schemas.UPDATE, faults=(400, 404, 409))
def update(req: ApiRequest[ComputeState]) -> None:
    """Swap the attached volume for ``volumeId`` (before 2.85, always a swap); from 2.85 a body
    naming the same volume updates the attachment's ``delete_on_termination``."""
    row = req.svc.servers.get(req.ctx, req.params["server_id"])
    old_id = req.params["volume_id"]
    body = req.json["volumeAttachment"]
    new_id = body["volumeId"]
    only_swap = not req.at_least("2.85")
    swapping = only_swap or new_id != old_id
    # A swap is Cinder's to ask for (its service user, or an administrator); the 2.85 update
    # of the attachment's own fields is the project's.
    if swapping:
        req.enforce("os_compute_api:os-volumes-attachments:swap")
    else:
        req.enforce("os_compute_api:os-volumes-attachments:update",
                    {"project_id": row.project_id})
    if not only_swap:
        # Nova updates the fields first, by the path's (old) volume, then swaps.
        req.svc.volume_swaps.update_fields(row, old_id, body)
    if swapping:
        req.svc.volume_swaps.swap(req.ctx, row, old_id, new_id)
