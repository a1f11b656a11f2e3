"""Version discovery at the block-storage root and at /v3, as Cinder answers it."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.volume.state import VolumeState

router = Router()

MIN_VERSION = "3.0"
MAX_VERSION = "3.71"
UPDATED = "2022-08-31T00:00:00Z"


def _v3(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": UPDATED,
        "links": [
            {"href": "https://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
            {"href": f"{req.service_url}/v3/", "rel": "self"},
        ],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }


@router.get("/", public=True, status=300)
def versions(req: ApiRequest[VolumeState]) -> Reply:
    """The API versions at the block-storage root."""
    return Reply({"versions": [_v3(req)]}, status=300)


@router.get("/v3", public=True)
def version_v3(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The v3 API's version document."""
    return {"versions": [_v3(req)]}
