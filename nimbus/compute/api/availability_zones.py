"""``/os-availability-zone``: the zones the services are in (each compute host's from its
aggregates, the default zone otherwise) and, for admins, who runs where."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.manager.hosts import INTERNAL_ZONE
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.base import iso_micro

router = Router()


@router.get(f"{V}/os-availability-zone")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the availability zones."""
    req.enforce("os_compute_api:os-availability-zone:list")
    available, unavailable = req.svc.hosts.zones()
    # The zone of the services that are not compute agents is not one to boot in.
    return {"availabilityZoneInfo": [
        {"zoneName": zone, "zoneState": {"available": state}, "hosts": None}
        for zones, state in ((available, True), (unavailable, False))
        for zone in zones if zone != INTERNAL_ZONE]}


@router.get(f"{V}/os-availability-zone/detail")
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the availability zones with their hosts and services."""
    req.enforce("os_compute_api:os-availability-zone:detail")
    services = req.svc.hosts.services()
    available = sorted({s.zone for s in services if not s.disabled})
    unavailable = sorted({s.zone for s in services if s.disabled} - set(available))
    hosts: dict[str, dict[str, Any]] = {}
    # Only enabled services are listed under their zone, as Nova lists them.
    for s in services:
        if s.disabled:
            continue
        hosts.setdefault(s.zone, {}).setdefault(s.host, {})[s.binary] = {
            "available": s.up, "active": True, "updated_at": iso_micro(s.updated_at)}
    info: list[dict[str, Any]] = [
        {"zoneName": zone, "zoneState": {"available": True}, "hosts": hosts.get(zone, {})}
        for zone in available]
    info += [{"zoneName": zone, "zoneState": {"available": False}, "hosts": None}
             for zone in unavailable]
    return {"availabilityZoneInfo": info}
