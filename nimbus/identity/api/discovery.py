"""Version discovery at the identity root and at /v3."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.identity.state import IdentityState

router = Router()

MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
UPDATED = "2024-04-01T00:00:00Z"


def _v3(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{req.service_url}/v3/"}],
        "media-types": MEDIA_TYPES,
    }


@router.get("/", public=True, status=300)
def versions(req: ApiRequest[IdentityState]) -> Reply:
    """The identity API versions (v3 only)."""
    return Reply({"versions": {"values": [_v3(req)]}}, status=300)


@router.get("/v3", public=True)
def version_v3(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The v3 API's version document."""
    return {"version": _v3(req)}
