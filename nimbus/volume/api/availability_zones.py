"""GET /os-availability-zone: the zones volumes may be created in."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.constants import AVAILABILITY_ZONES
from nimbus.volume.state import VolumeState

router = VolumeRouter()


@router.get("/os-availability-zone")
def availability_zones(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The availability zones volumes may be created in."""
    req.enforce("volume_extension:availability_zone_list")
    return {"availabilityZoneInfo": [{"zoneName": zone, "zoneState": {"available": True}}
                                     for zone in AVAILABILITY_ZONES]}
