"""GET /extensions: the Cinder extensions this API answers like."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.state import VolumeState

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
    ("qos-specs", "Qos_specs_manage", "QoS specs support."),
    ("os-volume-transfer", "VolumeTransfer", "Volume transfer management support."),
    ("os-snapshot-actions", "SnapshotActions", "Enable snapshot manager actions."),
    ("os-snapshot-unmanage", "SnapshotUnmanage", "Enable volume unmanage operation."),
    ("backups", "Backups", "Backups support."),
    ("os-extended-services", "ExtendedServices", "Extended services support."),
    ("os-hosts", "Hosts", "Admin-only host administration."),
    ("scheduler-stats", "Scheduler_stats", "Scheduler stats support."),
    ("capabilities", "Capabilities", "Capabilities support."),
    ("os-quota-class-sets", "QuotaClasses", "Quota classes management support."),
    ("os-volume-manage", "VolumeManage",
     "Allows existing backend storage to be 'managed' by Cinder."),
    ("os-volume-unmanage", "VolumeUnmanage", "Enable volume unmanage operation."),
    ("os-snapshot-manage", "SnapshotManage",
     "Allows existing backend storage to be 'managed' by Cinder."),
]


@router.get("/extensions", policy_free=True)
def extensions(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The extensions list (open to every caller, as in Cinder)."""
    return {"extensions": [
        {"alias": alias, "name": name, "description": text, "links": [], "namespace": "",
         "updated": "2013-04-18T00:00:00+00:00"}
        for alias, name, text in _EXTENSIONS
    ]}
