"""``/os-hypervisors``: the hosts compute agents run on."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.api.services import stable_id
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()


@router.get(f"{V}/os-hypervisors")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the hypervisors."""
    req.enforce("os_compute_api:os-hypervisors:list")
    out = []
    agents = (r for r in req.svc.hosts.services() if r["binary"] == AGENT_BINARY)
    for position, record in enumerate(agents):
        out.append({"id": stable_id("hypervisor", record["host"]) if req.at_least("2.53")
                    else position + 1,
                    "hypervisor_hostname": record["host"],
                    "state": "up" if record["up"] else "down",
                    "status": "disabled" if record["disabled"] else "enabled"})
    return {"hypervisors": out}
