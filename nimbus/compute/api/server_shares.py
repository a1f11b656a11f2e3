"""``/servers/{id}/shares`` (2.97): file shares attached to a server.

Attaching one needs hosts that can give a guest a shared filesystem (virtio-fs, with
file-backed memory); no host here can, so, as Nova answers for such hosts, an attach to a
stopped server is refused with a 409, and a server has no shares to list, show or detach.
"""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.api.strict_query import refuse_unknown
from nimbus.compute.manager.server_requests import UUID_PATTERN
from nimbus.compute.schemas.common import body_of
from nimbus.compute.state import ComputeState
from nimbus.compute.states import VmState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.api.validation import Schema
from nimbus.core.errors import Conflict, NotFound

router = Router()
SHARES = f"{V}/servers/{{server_id}}/shares"
RULE = "os_compute_api:os-server-shares:{}"

_ATTACH: Schema = body_of("share", {
    "type": "object",
    "properties": {
        "share_id": {"type": "string", "pattern": UUID_PATTERN},
        "tag": {"type": "string", "minLength": 1, "maxLength": 255,
                "pattern": "^[a-zA-Z0-9-]*$"},
    },
    "required": ["share_id"], "additionalProperties": False,
})


def _check_state(row: Any, action: str, allowed: tuple[str, ...]) -> None:
    if row.vm_state not in allowed:
        raise Conflict(f"Cannot '{action}' instance {row.uuid} while it is in vm_state "
                       f"{row.vm_state}")


@router.get(SHARES, min_version="2.97")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the shares attached to a server."""
    server_for(req, RULE.format("index"))
    refuse_unknown(req, (), "2.97")
    return {"shares": []}


@router.post(SHARES, status=201, body=_ATTACH, min_version="2.97", faults=(403, 404, 409))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Attach a share to a stopped server."""
    row = server_for(req, RULE.format("create"))
    _check_state(row, "create share", (VmState.STOPPED,))
    raise Conflict("Feature not supported because either compute or instance are not "
                   "configured correctly.")


@router.get(f"{SHARES}/{{share_id}}", min_version="2.97")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one share of a server."""
    server_for(req, RULE.format("show"))
    refuse_unknown(req, (), "2.97")
    raise NotFound(f"Share {req.params['share_id']} could not be found.")


@router.delete(f"{SHARES}/{{share_id}}", min_version="2.97", faults=(409,))
def delete(req: ApiRequest[ComputeState]) -> None:
    """Detach a share from a stopped server."""
    row = server_for(req, RULE.format("delete"))
    _check_state(row, "delete share", (VmState.STOPPED, VmState.ERROR))
    raise NotFound(f"Share {req.params['share_id']} could not be found.")
