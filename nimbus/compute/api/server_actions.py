"""``POST /servers/{id}/action``: reboot, stop/start, lock/unlock, pause/unpause, suspend/resume."""

from __future__ import annotations

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas import common
from nimbus.core.api.routing import ApiRequest, Router
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
def action(req: ApiRequest) -> None:
    body = req.body_dict()
    if len(body) != 1:
        raise BadRequest("The action body must contain exactly one action.")
    name, args = next(iter(body.items()))
    manager = req.svc.servers
    if name in SIMPLE:
        rule, transition = SIMPLE[name]
        row = server_for(req, rule)
        manager.action(req.ctx, row, transition)
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
