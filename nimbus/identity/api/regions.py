"""``/v3/regions``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.db.base import new_hex_id
from nimbus.identity.api.common import base
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.state import IdentityState

router = Router()


@router.post("/v3/regions", status=201, body=requests.REGION_BODY, faults=(404, 409))
def create_region(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a region (its id is made when not given)."""
    req.enforce("identity:create_region")
    data = req.json["region"]
    r = req.svc.catalog.create_region(data.get("id") or new_hex_id(),
                                      data.get("description") or "",
                                      data.get("parent_region_id"))
    return {"region": views.region(base(req), r)}


@router.put("/v3/regions/{region_id}", status=201, body=requests.REGION_BODY, faults=(409,))
def put_region(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a region with the id in the path."""
    req.enforce("identity:create_region")
    data = req.json["region"]
    r = req.svc.catalog.create_region(req.params["region_id"], data.get("description") or "",
                                      data.get("parent_region_id"))
    return {"region": views.region(base(req), r)}


@router.get("/v3/regions", query=queries.text("parent_region_id"))
def list_regions(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List regions."""
    req.enforce("identity:list_regions")
    rows = req.svc.catalog.list_regions(req.query.get("parent_region_id"))
    return views.collection(base(req), "regions", "regions",
                            [views.region(base(req), r) for r in rows])


@router.get("/v3/regions/{region_id}")
def get_region(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a region."""
    req.enforce("identity:get_region")
    return {"region": views.region(base(req),
                                   req.svc.catalog.get_region(req.params["region_id"]))}


@router.patch("/v3/regions/{region_id}", body=requests.REGION_BODY)
def update_region(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a region."""
    req.enforce("identity:update_region")
    r = req.svc.catalog.update_region(req.params["region_id"], req.json["region"])
    return {"region": views.region(base(req), r)}


@router.delete("/v3/regions/{region_id}", status=204, faults=(409,))
def delete_region(req: ApiRequest[IdentityState]) -> None:
    """Delete a region without child regions."""
    req.enforce("identity:delete_region")
    req.svc.catalog.delete_region(req.params["region_id"])
