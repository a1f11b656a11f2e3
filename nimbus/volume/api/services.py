"""os-services (which volume agents heartbeat) and the extensions list."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.db.base import iso_micro
from nimbus.volume.api.common import VolumeRouter

router = VolumeRouter()

_EXTENSIONS = [
    ("os-availability-zone", "AvailabilityZones", "Describe Availability Zones."),
    ("os-admin-actions", "AdminActions", "Enable admin actions."),
    ("os-volume-actions", "VolumeActions", "Enable volume actions."),
    ("os-quota-sets", "Quotas", "Quota management support."),
    ("os-services", "Services", "Services support."),
    ("os-types-manage", "TypesManage", "Types manage support."),
    ("os-types-extra-specs", "TypesExtraSpecs", "Type extra specs support."),
    ("os-vol-host-attr", "VolumeHostAttribute", "Expose host as an attribute of a volume."),
    ("os-vol-tenant-attr", "VolumeTenantAttribute",
     "Expose the internal project_id as an attribute of a volume."),
    ("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes",
     "Extended snapshot attributes."),
    ("os-volume-type-access", "VolumeTypeAccess", "Volume type access support."),
]


@router.get("/extensions", policy_free=True)
def extensions(req: ApiRequest) -> dict[str, Any]:
    return {"extensions": [
        {"alias": alias, "name": name, "description": text, "links": [], "namespace": "",
         "updated": "2013-04-18T00:00:00+00:00"}
        for alias, name, text in _EXTENSIONS
    ]}


@router.get("/os-services")
def services(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:services:index")
    binary = req.query.get("binary")
    host = req.query.get("host")
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
