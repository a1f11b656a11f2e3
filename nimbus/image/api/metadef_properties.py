"""The properties inside a metadata-definition namespace."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.schemas import metadef_requests as bodies
from nimbus.image.schemas import metadefs as shapes
from nimbus.image.state import ImageState

router = Router()
NS = "/v2/metadefs/namespaces/{namespace}"


@router.get(NS + "/properties")
def list_properties(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The namespace's properties, by name."""
    req.enforce("get_metadef_properties")
    items = req.svc.metadefs.list_items(req.ctx, req.params["namespace"], "property")
    return {"properties": {i["name"]: i["body"] for i in items}}


@router.post(NS + "/properties", status=201, body=bodies.CREATE_PROPERTY, faults=(409,))
def create_property(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Add a property definition to the namespace."""
    req.enforce("add_metadef_property")
    body = req.json
    item = req.svc.metadefs.add_item(req.ctx, req.params["namespace"], "property",
                                     body["name"], shapes.picked(body, shapes.PROPERTY_KEYS))
    return shapes.prop(item)


@router.get(NS + "/properties/{name}")
def show_property(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One property definition."""
    req.enforce("get_metadef_property")
    return shapes.prop(req.svc.metadefs.get_item(req.ctx, req.params["namespace"], "property",
                                                 req.params["name"]))


@router.put(NS + "/properties/{name}", body=bodies.UPDATE_PROPERTY, faults=(409,))
def update_property(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Replace a property definition (and rename it when the body names another)."""
    req.enforce("modify_metadef_property")
    body = req.json
    item = req.svc.metadefs.update_item(req.ctx, req.params["namespace"], "property",
                                        req.params["name"], body["name"],
                                        shapes.picked(body, shapes.PROPERTY_KEYS))
    return shapes.prop(item)


@router.delete(NS + "/properties/{name}", status=204)
def delete_property(req: ApiRequest[ImageState]) -> None:
    """Remove a property definition from the namespace."""
    req.enforce("remove_metadef_property")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "property",
                                  req.params["name"])
