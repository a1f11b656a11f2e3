"""os-hosts (the services' hosts and a volume host's usage), the scheduler's pools
(``/scheduler-stats/get_pools``) and a backend's capabilities (``/capabilities/{host}``)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.db.base import iso_micro
from nimbus.volume.api.common import VolumeRouter, ctx_dict
from nimbus.volume.constants import BINARY
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import operators as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()
_HOSTS = "volume_extension:hosts"
# What the capabilities document says of each capability it lists (Cinder's descriptions).
_PROPERTIES = {
    "thin_provisioning": ("Thin Provisioning", "Sets thin provisioning.", "boolean"),
    "multiattach": ("Multiattach", "Whether a volume may be attached to several servers.",
                    "boolean"),
    "QoS_support": ("QoS Support", "Whether the backend enforces QoS specs.", "boolean"),
}


@router.get("/os-hosts", query=schema.HOSTS_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The hosts of the enabled block-storage services."""
    req.enforce(_HOSTS)
    return {"hosts": [{
        "host_name": rec["host"],
        # Cinder's topics are named as its binaries.
        "service": rec["binary"],
        "zone": rec["zone"],
        "service-status": "available" if rec["up"] else "unavailable",
        "service-state": "disabled" if rec["disabled"] else "enabled",
        "last-update": iso_micro(rec["updated_at"]),
    } for rec in req.svc.backends.hosts(req.args.get("zone"))]}


@router.get("/os-hosts/{host_name}", faults=(404,))
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The volumes and snapshots on a volume host: the total, then each project's."""
    req.enforce(_HOSTS)
    return {"host": req.svc.backends.host_usage(req.params["host_name"])}


@router.put("/os-hosts/{host_name}", body=schema.HOST_UPDATE, faults=(404,))
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Let a host's volume services take new volumes (``enable``) or not (``disable``)."""
    req.enforce(_HOSTS)
    host = req.params["host_name"]
    status = str(req.json["status"]).strip().lower()
    if status not in ("enable", "disable"):
        raise InvalidInput(reason=f"Invalid status: '{req.json['status']}'")
    backends = [r["host"] for r in req.svc.backends.services(BINARY, host)]
    if not backends:
        req.svc.backends.host_usage(host)  # the host's 404, in Cinder's words
    for backend in backends:
        req.svc.backends.set_enabled(backend, BINARY, status == "enable")
    return {"host": host, "status": f"{status}d"}


@router.get("/scheduler-stats/get_pools", query=schema.POOLS_QUERY)
def get_pools(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The backends' pools (with ``detail``, their capabilities)."""
    req.enforce("scheduler_extension:scheduler_stats:get_pools")
    pools = req.svc.backends.pools(ctx_dict(req))
    # The pool filters came with 3.28.
    if req.at_least("3.28") and req.args.get("name"):
        pools = [p for p in pools if p["name"] == req.args["name"]]
    if req.args.get("detail"):
        return {"pools": pools}
    return {"pools": [{"name": p["name"]} for p in pools]}


@router.get("/capabilities/{host_name}", faults=(404,))
def capabilities(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """What a volume backend offers, as a metadata namespace."""
    req.enforce("volume_extension:capabilities")
    host = req.params["host_name"]
    caps = req.svc.backends.capabilities(ctx_dict(req), host)
    return {
        "namespace": f"OS::Storage::Capabilities::{host}",
        "vendor_name": caps.get("vendor_name"),
        "volume_backend_name": caps.get("volume_backend_name"),
        "pool_name": caps.get("pool_name"),
        "driver_version": caps.get("driver_version"),
        "storage_protocol": caps.get("storage_protocol"),
        "display_name": None,
        "description": None,
        "visibility": None,
        "replication_targets": [],
        "properties": {
            key: {"title": title, "description": text, "type": kind}
            for key, (title, text, kind) in _PROPERTIES.items()},
    }
