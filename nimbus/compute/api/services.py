"""``/os-services``: the compute service's binaries and where they run."""

from __future__ import annotations

import uuid
from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.constants import AGENT_BINARY, DEFAULT_ZONE
from nimbus.compute.schemas.services import LIST_QUERY
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.base import iso_micro

router = Router()


def stable_id(binary: str, host: str) -> str:
    """The UUID a binary on a host keeps (2.53+ ids), whatever its row id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nimbus:{binary}:{host}"))


@router.get(f"{V}/os-services", query=LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the compute services."""
    req.enforce("os_compute_api:os-services:list")
    out = []
    for record in req.svc.hosts.services():
        if req.args.get("host") and record["host"] != req.args["host"]:
            continue
        if req.args.get("binary") and record["binary"] != req.args["binary"]:
            continue
        item: dict[str, Any] = {
            "id": stable_id(record["binary"], record["host"]) if req.at_least("2.53")
            else record["id"],
            "binary": record["binary"], "host": record["host"],
            "zone": DEFAULT_ZONE if record["binary"] == AGENT_BINARY else "internal",
            "status": "disabled" if record["disabled"] else "enabled",
            "state": "up" if record["up"] else "down",
            "updated_at": iso_micro(record["updated_at"]),
            "disabled_reason": record["disabled_reason"],
        }
        if req.at_least("2.11"):
            item["forced_down"] = False
        out.append(item)
    return {"services": out}
