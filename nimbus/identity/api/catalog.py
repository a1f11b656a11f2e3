"""``/v3/regions``, ``/v3/services`` and ``/v3/endpoints``."""

from __future__ import annotations

import contextlib
from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.base import new_hex_id
from nimbus.core.errors import BadRequest, Conflict, NotFound
from nimbus.identity.api.common import base, body, state
from nimbus.identity.schemas import requests, views

router = Router()


@router.post("/v3/regions", status=201)
def create_region(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_region")
    data = body(req, "region", requests.REGION)
    r = state(req).catalog.create_region(data.get("id") or new_hex_id(),
                                         data.get("description") or "",
                                         data.get("parent_region_id"))
    return {"region": views.region(base(req), r)}


@router.put("/v3/regions/{region_id}", status=201)
def put_region(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_region")
    data = body(req, "region", requests.REGION)
    r = state(req).catalog.create_region(req.params["region_id"], data.get("description") or "",
                                         data.get("parent_region_id"))
    return {"region": views.region(base(req), r)}


@router.get("/v3/regions")
def list_regions(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_regions")
    rows = state(req).catalog.list_regions(req.query.get("parent_region_id"))
    return views.collection(base(req), "regions", "regions",
                            [views.region(base(req), r) for r in rows])


@router.get("/v3/regions/{region_id}")
def get_region(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_region")
    return {"region": views.region(base(req),
                                   state(req).catalog.get_region(req.params["region_id"]))}


@router.patch("/v3/regions/{region_id}")
def update_region(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_region")
    data = body(req, "region", requests.REGION)
    r = state(req).catalog.update_region(req.params["region_id"], data)
    return {"region": views.region(base(req), r)}


@router.delete("/v3/regions/{region_id}", status=204)
def delete_region(req: ApiRequest) -> None:
    req.enforce("identity:delete_region")
    state(req).catalog.delete_region(req.params["region_id"])


@router.post("/v3/services", status=201)
def create_service(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_service")
    data = body(req, "service", requests.SERVICE)
    if not data.get("type"):
        raise BadRequest("Invalid input for field 'type': it is required.")
    s = state(req).catalog.create_service(data["type"], data.get("name") or "",
                                          data.get("description") or "",
                                          data.get("enabled", True))
    return {"service": views.service(base(req), s)}


@router.get("/v3/services")
def list_services(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_services")
    rows = state(req).catalog.list_services(req.query.get("type"), req.query.get("name"))
    return views.collection(base(req), "services", "services",
                            [views.service(base(req), s) for s in rows])


@router.get("/v3/services/{service_id}")
def get_service(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_service")
    return {"service": views.service(base(req),
                                     state(req).catalog.get_service(req.params["service_id"]))}


@router.patch("/v3/services/{service_id}")
def update_service(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_service")
    data = body(req, "service", requests.SERVICE)
    s = state(req).catalog.update_service(req.params["service_id"], data)
    return {"service": views.service(base(req), s)}


@router.delete("/v3/services/{service_id}", status=204)
def delete_service(req: ApiRequest) -> None:
    req.enforce("identity:delete_service")
    state(req).catalog.delete_service(req.params["service_id"])


def _legacy_region(req: ApiRequest, region: str | None) -> str | None:
    """``region`` (the v2-style name) creates the region when missing, as Keystone does;
    ``region_id`` must name an existing one."""
    if region:
        st = state(req)
        try:
            st.catalog.get_region(region)
        except NotFound:
            with contextlib.suppress(Conflict):
                st.catalog.create_region(region)
    return region


@router.post("/v3/endpoints", status=201)
def create_endpoint(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_endpoint")
    data = body(req, "endpoint", requests.ENDPOINT)
    for key in ("service_id", "interface", "url"):
        if not data.get(key):
            raise BadRequest(f"Invalid input for field '{key}': it is required.")
    region_id = data.get("region_id") or _legacy_region(req, data.get("region"))
    e = state(req).catalog.create_endpoint(data["service_id"], data["interface"], data["url"],
                                           region_id, data.get("enabled", True))
    return {"endpoint": views.endpoint(base(req), e)}


@router.get("/v3/endpoints")
def list_endpoints(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_endpoints")
    f = {k: req.query.get(k) for k in ("service_id", "interface", "region_id")}
    rows = state(req).catalog.list_endpoints(f)
    return views.collection(base(req), "endpoints", "endpoints",
                            [views.endpoint(base(req), e) for e in rows])


@router.get("/v3/endpoints/{endpoint_id}")
def get_endpoint(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_endpoint")
    return {"endpoint": views.endpoint(base(req),
                                       state(req).catalog.get_endpoint(req.params["endpoint_id"]))}


@router.patch("/v3/endpoints/{endpoint_id}")
def update_endpoint(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_endpoint")
    data = body(req, "endpoint", requests.ENDPOINT)
    if "region" in data and "region_id" not in data:
        data["region_id"] = _legacy_region(req, data.pop("region"))
    e = state(req).catalog.update_endpoint(req.params["endpoint_id"], data)
    return {"endpoint": views.endpoint(base(req), e)}


@router.delete("/v3/endpoints/{endpoint_id}", status=204)
def delete_endpoint(req: ApiRequest) -> None:
    req.enforce("identity:delete_endpoint")
    state(req).catalog.delete_endpoint(req.params["endpoint_id"])
