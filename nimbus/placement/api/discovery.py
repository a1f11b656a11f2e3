"""Version discovery at the Placement root."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.constants import MAX_VERSION, MIN_VERSION
from nimbus.placement.state import PlacementState

router = Router()


@router.get("/", public=True)
def versions(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List the API versions."""
    return {"versions": [{
        "id": "v1.0",
        "max_version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}],
    }]}
