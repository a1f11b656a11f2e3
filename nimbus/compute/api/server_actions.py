"""``POST /servers/{id}/action``: reboot, stop/start, lock/unlock, pause/unpause, suspend/resume
and createImage here; the others in ``server_lifecycle``."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.api.server_lifecycle import HANDLERS
from nimbus.compute.schemas import server_actions as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest

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


@router.post(f"{V}/servers/{{server_id}}/action", status=202, body=schemas.ACTION,
             also=(200, 204), faults=(409,))
def action(req: ApiRequest[ComputeState]) -> Reply | None:
    """Run an action on a server."""
    name, args = next(iter(req.json.items()))
    manager = req.svc.servers
    if name in SIMPLE:
        rule, transition = SIMPLE[name]
        row = server_for(req, rule)
        manager.action(req.ctx, row, transition)
    elif name in HANDLERS:
        return HANDLERS[name](req, args)
    elif name == "createImage":
        return _create_image(req, args)
    elif name == "reboot":
        row = server_for(req, "os_compute_api:servers:reboot")
        manager.action(req.ctx, row, "reboot", hard=args["type"].upper() == "HARD")
    elif name == "lock":
        row = server_for(req, "os_compute_api:os-lock-server:lock")
        reason = args.get("locked_reason") if isinstance(args, dict) else None
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


def _create_image(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    """Snapshot: 202 with ``image_id`` from 2.45, a ``Location`` header naming it before."""
    row = server_for(req, "os_compute_api:servers:create_image")
    image_id = req.svc.snapshots.create(req.ctx, row, args["name"],
                                        dict(args.get("metadata") or {}))
    if req.at_least("2.45"):
        return Reply({"image_id": image_id}, 202)
    return Reply(None, 202, {"Location": f"{req.service_url}/v2.1/images/{image_id}"})
