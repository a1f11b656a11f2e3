"""GET /os-availability-zone: the zones volumes may be created in."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.volume.api.common import VolumeRouter, ctx_dict
from nimbus.volume.constants import AVAILABILITY_ZONES
from nimbus.volume.state import VolumeState

router = VolumeRouter()


@router.get("/os-availability-zone")
def availability_zones(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The availability zones volumes may be created in."""
    req.enforce("volume_extension:availability_zone_list")
    # The default zone, and each zone a backend that is up is in.
    zones = sorted(req.svc.scheduler.zones(ctx_dict(req)) | set(AVAILABILITY_ZONES))
    return {"availabilityZoneInfo": [{"zoneName": zone, "zoneState": {"available": True}}
                                     for zone in zones]}
