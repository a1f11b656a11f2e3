"""GET /os-services: which volume agents heartbeat, and whether they are up."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.db.base import iso_micro
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.schemas import services as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()


@router.get("/os-services", query=schema.LIST_QUERY)
def services(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The block-storage services and their state."""
    req.enforce("volume_extension:services:index")
    binary = req.args.get("binary")
    host = req.args.get("host")
    found = []
    for rec in req.svc.registry.list():
        if not str(rec["binary"]).startswith("cinder-"):
            continue
        if (binary and rec["binary"] != binary) or (host and rec["host"] != host):
            continue
        found.append({
            "binary": rec["binary"],
            "host": rec["host"],
            "zone": "nova",
            "status": "disabled" if rec["disabled"] else "enabled",
            "state": "up" if rec["up"] else "down",
            "updated_at": iso_micro(rec["updated_at"]),
            "disabled_reason": rec["disabled_reason"],
            "frozen": False,
            "replication_status": "disabled",
            "active_backend_id": None,
            "cluster": None,
            "backend_state": "up" if rec["up"] else "down",
        })
    return {"services": found}
