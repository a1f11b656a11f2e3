"""``/v2/metadefs/resource_types`` and a namespace's resource-type associations."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.manager.metadefs import RESOURCE_TYPES
from nimbus.image.schemas import metadef_requests as bodies
from nimbus.image.schemas import metadefs as shapes
from nimbus.image.state import ImageState

router = Router()
NS = "/v2/metadefs/namespaces/{namespace}"


@router.get("/v2/metadefs/resource_types")
def list_resource_types(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The resource types a namespace may be associated with."""
    req.enforce("list_metadef_resource_types")
    return {"resource_types": [{"name": n, "created_at": "2014-08-28T17:13:04Z",
                                "updated_at": "2014-08-28T17:13:04Z"} for n in RESOURCE_TYPES]}


@router.get(NS + "/resource_types")
def list_associations(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The resource types a namespace applies to."""
    req.enforce("get_metadef_resource_type")
    items = req.svc.metadefs.list_items(req.ctx, req.params["namespace"], "resource_type")
    return {"resource_type_associations": [shapes.association(i) for i in items]}


@router.post(NS + "/resource_types", status=201, body=bodies.ASSOCIATION, faults=(409,))
def add_association(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Associate a namespace with a resource type."""
    req.enforce("add_metadef_resource_type_association")
    body = req.json
    item = req.svc.metadefs.add_item(req.ctx, req.params["namespace"], "resource_type",
                                     body["name"], shapes.picked(body, shapes.ASSOCIATION_KEYS))
    return shapes.association(item)


@router.delete(NS + "/resource_types/{name}", status=204)
def remove_association(req: ApiRequest[ImageState]) -> None:
    """Remove a namespace's association with a resource type."""
    req.enforce("remove_metadef_resource_type_association")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "resource_type",
                                  req.params["name"])
