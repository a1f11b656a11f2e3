"""Version discovery at the image root, as Glance answers it."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.image.state import ImageState

router = Router()

CURRENT = 17


def _versions(req: ApiRequest[ImageState]) -> dict[str, Any]:
    href = f"{req.service_url}/v2/"
    versions = []
    for minor in range(CURRENT, -1, -1):
        versions.append({
            "id": f"v2.{minor}",
            "status": "CURRENT" if minor == CURRENT else "SUPPORTED",
            "links": [{"rel": "self", "href": href}],
        })
    return {"versions": versions}


@router.get("/", public=True, status=300)
def root(req: ApiRequest[ImageState]) -> Reply:
    """The API versions (300 Multiple Choices)."""
    return Reply(_versions(req), status=300)


@router.get("/versions", public=True)
def versions(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The API versions."""
    return _versions(req)
