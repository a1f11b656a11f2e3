"""Version discovery at the Placement root."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router

router = Router()
MIN_VERSION = "1.0"
MAX_VERSION = "1.39"


@router.get("/", public=True)
def versions(req: ApiRequest) -> dict[str, Any]:
    return {"versions": [{
        "id": "v1.0",
        "max_version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}],
    }]}
