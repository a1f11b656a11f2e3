"""POST /snapshots/{id}/action: status reports and an operator's reset, forced deletion and
unmanage. Each action has its own Cinder policy rule, checked against the snapshot's project."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume import states
from nimbus.volume.api.common import VolumeRouter, ctx_dict, scope
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import snapshot_actions as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()

_RULES = {
    "os-reset_status": "volume_extension:snapshot_admin_actions:reset_status",
    "os-force_delete": "volume_extension:snapshot_admin_actions:force_delete",
    "os-update_snapshot_status": "snapshot_extension:snapshot_actions:update_snapshot_status",
    "os-unmanage": "snapshot_extension:snapshot_unmanage",
}


def _progress(value: Any) -> str | None:
    """A progress report: an integer percentage from 0 to 100 (Cinder's format check)."""
    if not value:
        return None
    text = str(value)
    if not text.endswith("%") or not text[:-1].isdigit() or int(text[:-1]) > 100:
        raise InvalidInput(reason="progress must be an integer percentage between 0 and 100")
    return text


@router.post("/snapshots/{snapshot_id}/action", status=202, body=schema.ACTION)
def dispatch(req: ApiRequest[VolumeState]) -> Reply:
    """Run one snapshot action (os-reset_status, os-force_delete, os-update_snapshot_status,
    os-unmanage)."""
    ((name, arg),) = req.json.items()
    snap = req.svc.snapshots.get(req.params["snapshot_id"], scope(req))
    req.enforce(_RULES[name], target={"project_id": snap["project_id"]})
    arg = arg or {}
    if name == "os-reset_status":
        status = str(arg["status"]).lower()
        if status not in states.SNAPSHOT_STATUSES:
            raise InvalidInput(reason=f"Snapshot status: {arg['status']} is invalid, valid "
                                      f"statuses are: {sorted(states.SNAPSHOT_STATUSES)}.")
        req.svc.snapshots.reset_status(snap["id"], status)
    elif name == "os-update_snapshot_status":
        req.svc.snapshots.update_status(snap["id"], None, str(arg["status"]),
                                        _progress(arg.get("progress")))
    elif name == "os-force_delete":
        req.svc.snapshots.delete(ctx_dict(req), snap["id"], None, force=True)
    else:
        req.svc.snapshots.unmanage(snap["id"], None)
    return Reply(None, status=202)
