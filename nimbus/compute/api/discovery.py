"""Version discovery at the compute root and at /v2.1, as Nova answers it."""

from __future__ import annotations

from typing import Any

from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()

MIN_VERSION = "2.1"
MAX_VERSION = "2.100"
UPDATED = "2013-07-23T11:33:21Z"


def _v21(req: ApiRequest[ComputeState], full: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "v2.1",
        "status": "CURRENT",
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": UPDATED,
        "links": [{"rel": "self", "href": f"{req.service_url}/v2.1/"}],
    }
    if full:
        doc["links"].append({"rel": "describedby", "type": "text/html",
                             "href": "https://docs.openstack.org/"})
        doc["media-types"] = [{"base": "application/json",
                               "type": "application/vnd.openstack.compute+json;version=2.1"}]
    return doc


def _v20(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """The legacy v2.0 API, listed first as Nova lists it (clients look for it there)."""
    return {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
            "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{req.service_url}/v2/"}]}


@router.get("/", public=True)
def versions(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the API versions."""
    return {"versions": [_v20(req), _v21(req, False)]}


@router.get("/v2.1", public=True)
@router.get("/v2.1/", public=True)
def version_v21(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the v2.1 API."""
    return {"version": _v21(req, True)}


@router.get("/v2", public=True)
@router.get("/v2/", public=True)
def version_v20(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the legacy v2.0 API (where the root's list links it)."""
    doc = _v20(req)
    doc["links"].append({"rel": "describedby", "type": "text/html",
                         "href": "https://docs.openstack.org/"})
    doc["media-types"] = [{"base": "application/json",
                           "type": "application/vnd.openstack.compute+json;version=2"}]
    return {"version": doc}
