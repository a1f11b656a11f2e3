"""``/v3/services``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.state import IdentityState

router = Router()


@router.post("/v3/services", status=201, body=requests.SERVICE_CREATE_BODY)
def create_service(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a catalog service."""
    req.enforce("identity:create_service")
    data = req.json["service"]
    s = req.svc.catalog.create_service(data["type"], data.get("name") or "",
                                       data.get("description") or "",
                                       data.get("enabled", True))
    return {"service": views.service(base(req), s)}


@router.get("/v3/services", query=queries.text("type", "name"))
def list_services(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List catalog services."""
    req.enforce("identity:list_services")
    rows = req.svc.catalog.list_services(req.query.get("type"), req.query.get("name"))
    return views.collection(base(req), "services", "services",
                            [views.service(base(req), s) for s in rows])


@router.get("/v3/services/{service_id}")
def get_service(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a catalog service."""
    req.enforce("identity:get_service")
    return {"service": views.service(base(req),
                                     req.svc.catalog.get_service(req.params["service_id"]))}


@router.patch("/v3/services/{service_id}", body=requests.SERVICE_UPDATE_BODY)
def update_service(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a catalog service."""
    req.enforce("identity:update_service")
    s = req.svc.catalog.update_service(req.params["service_id"], req.json["service"])
    return {"service": views.service(base(req), s)}


@router.delete("/v3/services/{service_id}", status=204)
def delete_service(req: ApiRequest[IdentityState]) -> None:
    """Delete a catalog service and its endpoints."""
    req.enforce("identity:delete_service")
    req.svc.catalog.delete_service(req.params["service_id"])
