"""``/os-availability-zone``: the one zone every host is in, and (admins) who runs where."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.constants import AGENT_BINARY, DEFAULT_ZONE
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.base import iso_micro

router = Router()


@router.get(f"{V}/os-availability-zone")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the availability zones."""
    req.enforce("os_compute_api:os-availability-zone:list")
    return {"availabilityZoneInfo": [{"zoneName": DEFAULT_ZONE,
                                      "zoneState": {"available": True}, "hosts": None}]}


@router.get(f"{V}/os-availability-zone/detail")
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the availability zones with their hosts and services."""
    req.enforce("os_compute_api:os-availability-zone:detail")
    nova: dict[str, Any] = {}
    internal: dict[str, Any] = {}
    for record in req.svc.hosts.services():
        target = nova if record["binary"] == AGENT_BINARY else internal
        target.setdefault(record["host"], {})[record["binary"]] = {
            "available": record["up"] and not record["disabled"],
            "active": not record["disabled"], "updated_at": iso_micro(record["updated_at"])}
    info = [{"zoneName": DEFAULT_ZONE, "zoneState": {"available": True}, "hosts": nova or None}]
    if internal:
        info.insert(0, {"zoneName": "internal", "zoneState": {"available": True},
                        "hosts": internal})
    return {"availabilityZoneInfo": info}
