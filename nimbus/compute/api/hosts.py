"""``/os-hosts`` (deprecated, gone from 2.43): the hosts of the compute service's binaries, a
compute host's resources, enabling it, and the host power actions no driver here offers."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import hosts as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()
BASE = f"{V}/os-hosts"
HOST = f"{BASE}/{{host_name}}"
LAST = "2.42"


@router.get(BASE, max_version=LAST, query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the enabled services' hosts, with the zone each is in."""
    req.enforce("os_compute_api:os-hosts:list")
    services = req.svc.host_resources.listing(req.args.get("zone"))
    return {"hosts": [{"host_name": s.host, "service": s.binary.removeprefix("nova-"),
                       "zone": s.zone} for s in services]}


@router.get(HOST, max_version=LAST)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """A compute host's capacity and use, in total and per project."""
    req.enforce("os_compute_api:os-hosts:show")
    return {"host": req.svc.host_resources.resources(req.params["host_name"])}


@router.put(HOST, max_version=LAST, body=schemas.UPDATE, faults=(501,))
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Enable or disable a compute host, or put it in maintenance (which no driver offers)."""
    req.enforce("os_compute_api:os-hosts:update")
    host, body = req.params["host_name"], req.json
    manager = req.svc.host_resources
    reply: dict[str, Any] = {"host": host}
    if "maintenance_mode" in body:
        reply["maintenance_mode"] = manager.maintenance(
            host, body["maintenance_mode"].lower() == "enable")
    if "status" in body:
        enabled = body["status"].lower() == "enable"
        manager.set_enabled(host, enabled)
        reply["status"] = "enabled" if enabled else "disabled"
    return reply


def _power(action: str, rule: str) -> None:
    def handler(req: ApiRequest[ComputeState]) -> dict[str, Any]:
        req.enforce(f"os_compute_api:os-hosts:{rule}")
        req.svc.host_resources.power_action(req.params["host_name"], action)
        return {"host": req.params["host_name"], "power_action": action}

    handler.__doc__ = f"Ask the driver to {action} a whole host."
    handler.__name__ = handler.__qualname__ = f"host_{action}"
    router.get(f"{HOST}/{action}", max_version=LAST, faults=(501,))(handler)


for _action, _rule in (("startup", "start"), ("shutdown", "shutdown"), ("reboot", "reboot")):
    _power(_action, _rule)
