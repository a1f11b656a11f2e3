"""``/os-assisted-volume-snapshots``: Cinder asks the host of the server a volume is attached to
for a snapshot of it (see ``manager/assisted_snapshots.py``)."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import volume_swap as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()
RULE = "os_compute_api:os-assisted-volume-snapshots:{}"


@router.post(f"{V}/os-assisted-volume-snapshots", body=schemas.ASSISTED_CREATE, faults=(400,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Snapshot an attached volume through its server's host."""
    req.enforce(RULE.format("create"), {})
    snap = req.json["snapshot"]
    made = req.svc.assisted_snapshots.create(req.ctx, snap["volume_id"], snap["create_info"])
    return {"snapshot": made}


@router.delete(f"{V}/os-assisted-volume-snapshots/{{snapshot_id}}", status=204,
               query=schemas.ASSISTED_DELETE_QUERY, faults=(400, 404))
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete a snapshot an attached volume's host took (``delete_info`` names the volume)."""
    req.enforce(RULE.format("delete"), {})
    req.svc.assisted_snapshots.delete(req.ctx, req.params["snapshot_id"],
                                      req.args.get("delete_info"))
