"""``/v3/endpoints``."""

from __future__ import annotations

import contextlib
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import Conflict, NotFound
from nimbus.identity.api.common import base
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.state import IdentityState

router = Router()


def _legacy_region(req: ApiRequest[IdentityState], region: str | None) -> str | None:
    """``region`` (the v2-style name) creates the region when missing, as Keystone does;
    ``region_id`` must name an existing one."""
    if region:
        catalog = req.svc.catalog
        try:
            catalog.get_region(region)
        except NotFound:
            with contextlib.suppress(Conflict):
                catalog.create_region(region)
    return region


@router.post("/v3/endpoints", status=201, body=requests.ENDPOINT_CREATE_BODY, faults=(404,))
def create_endpoint(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create an endpoint of a catalog service."""
    req.enforce("identity:create_endpoint")
    data = req.json["endpoint"]
    region_id = data.get("region_id") or _legacy_region(req, data.get("region"))
    e = req.svc.catalog.create_endpoint(data["service_id"], data["interface"], data["url"],
                                        region_id, data.get("enabled", True))
    return {"endpoint": views.endpoint(base(req), e)}


@router.get("/v3/endpoints", query=queries.text("service_id", "interface", "region_id"))
def list_endpoints(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List endpoints."""
    req.enforce("identity:list_endpoints")
    f = {k: req.query.get(k) for k in ("service_id", "interface", "region_id")}
    rows = req.svc.catalog.list_endpoints(f)
    return views.collection(base(req), "endpoints", "endpoints",
                            [views.endpoint(base(req), e) for e in rows])


@router.get("/v3/endpoints/{endpoint_id}")
def get_endpoint(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an endpoint."""
    req.enforce("identity:get_endpoint")
    return {"endpoint": views.endpoint(
        base(req), req.svc.catalog.get_endpoint(req.params["endpoint_id"]))}


@router.patch("/v3/endpoints/{endpoint_id}", body=requests.ENDPOINT_UPDATE_BODY)
def update_endpoint(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update an endpoint."""
    req.enforce("identity:update_endpoint")
    data = dict(req.json["endpoint"])
    if "region" in data and "region_id" not in data:
        data["region_id"] = _legacy_region(req, data.pop("region"))
    e = req.svc.catalog.update_endpoint(req.params["endpoint_id"], data)
    return {"endpoint": views.endpoint(base(req), e)}


@router.delete("/v3/endpoints/{endpoint_id}", status=204)
def delete_endpoint(req: ApiRequest[IdentityState]) -> None:
    """Delete an endpoint."""
    req.enforce("identity:delete_endpoint")
    req.svc.catalog.delete_endpoint(req.params["endpoint_id"])
