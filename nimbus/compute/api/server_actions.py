"""``POST /servers/{id}/action``: reboot, stop/start, lock/unlock, pause/unpause, suspend/resume,
createImage."""

from __future__ import annotations

from typing import Any

from nimbus.compute import snapshots
from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas import common
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, ValidationError

router = Router()

# action key in the body -> (policy rule, state-machine action)
SIMPLE = {
    "os-stop": ("os_compute_api:servers:stop", "stop"),
    "os-start": ("os_compute_api:servers:start", "start"),
    "pause": ("os_compute_api:os-pause-server:pause", "pause"),
    "unpause": ("os_compute_api:os-pause-server:unpause", "unpause"),
    "suspend": ("os_compute_api:os-suspend-server:suspend", "suspend"),
    "resume": ("os_compute_api:os-suspend-server:resume", "resume"),
}


@router.post(f"{V}/servers/{{server_id}}/action", status=202)
def action(req: ApiRequest) -> Reply | None:
    body = req.body_dict()
    if len(body) != 1:
        raise BadRequest("The action body must contain exactly one action.")
    name, args = next(iter(body.items()))
    manager = req.svc.servers
    if name in SIMPLE:
        rule, transition = SIMPLE[name]
        row = server_for(req, rule)
        manager.action(req.ctx, row, transition)
    elif name == "createImage":
        return _create_image(req, args)
    elif name == "reboot":
        row = server_for(req, "os_compute_api:servers:reboot")
        kind = (args or {}).get("type") if isinstance(args, dict) else None
        if not isinstance(kind, str) or kind.upper() not in ("SOFT", "HARD"):
            raise ValidationError(field="reboot.type",
                                  reason=f"{kind!r} is not one of ['SOFT', 'HARD']")
        manager.action(req.ctx, row, "reboot", hard=kind.upper() == "HARD")
    elif name == "lock":
        row = server_for(req, "os_compute_api:os-lock-server:lock")
        reason = None
        if isinstance(args, dict) and args:
            if not req.at_least("2.73"):
                raise ValidationError(field="lock", reason="Additional properties are not allowed")
            common.no_extra(args, {"locked_reason"}, "lock")
            reason = common.string(args, "locked_reason", nullable=True)
        manager.lock(req.ctx, row, reason)
    elif name == "unlock":
        row = server_for(req, "os_compute_api:os-lock-server:unlock")
        override = req.allowed("os_compute_api:os-lock-server:unlock:unlock_override",
                               {"project_id": row.project_id})
        manager.unlock(req.ctx, row, override)
    else:
        # Known to Nova but not here yet, or unknown: either way the caller hears its name.
        server_for(req, "os_compute_api:servers:show")
        raise BadRequest(f"There is no such action: {name}")
    return None


def _create_image(req: ApiRequest, args: Any) -> Reply:
    """Snapshot: 202 with ``image_id`` from 2.45, a ``Location`` header naming it before."""
    row = server_for(req, "os_compute_api:servers:create_image")
    if not isinstance(args, dict):
        raise ValidationError(field="createImage", reason=f"{args!r} is not of type 'object'")
    common.no_extra(args, {"name", "metadata"}, "createImage")
    name = common.string(args, "name", required=True, min_len=1)
    if not name or not name.strip():
        raise ValidationError(field="createImage.name", reason="name must not be blank")
    metadata = common.metadata(args.get("metadata") or {}, "createImage.metadata")
    image_id = snapshots.create(req.svc, req.ctx, row, name, metadata)
    if req.at_least("2.45"):
        return Reply({"image_id": image_id}, 202)
    return Reply(None, 202, {"Location": f"{req.service_url}/v2.1/images/{image_id}"})
