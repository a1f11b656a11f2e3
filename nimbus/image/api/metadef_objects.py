"""The objects inside a metadata-definition namespace."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.schemas import metadef_requests as bodies
from nimbus.image.schemas import metadefs as shapes
from nimbus.image.state import ImageState

router = Router()
NS = "/v2/metadefs/namespaces/{namespace}"


@router.get(NS + "/objects")
def list_objects(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The namespace's objects."""
    req.enforce("get_metadef_objects")
    ns = req.params["namespace"]
    items = req.svc.metadefs.list_items(req.ctx, ns, "object")
    return {"objects": [shapes.obj(ns, i) for i in items],
            "schema": "/v2/schemas/metadefs/objects"}


@router.post(NS + "/objects", status=201, body=bodies.OBJECT, faults=(409,))
def create_object(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Add an object to the namespace."""
    req.enforce("add_metadef_object")
    ns, body = req.params["namespace"], req.json
    item = req.svc.metadefs.add_item(req.ctx, ns, "object", body["name"],
                                     shapes.picked(body, shapes.OBJECT_KEYS))
    return shapes.obj(ns, item)


@router.get(NS + "/objects/{name}")
def show_object(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One object."""
    req.enforce("get_metadef_object")
    ns = req.params["namespace"]
    return shapes.obj(ns, req.svc.metadefs.get_item(req.ctx, ns, "object", req.params["name"]))


@router.put(NS + "/objects/{name}", body=bodies.OBJECT, faults=(409,))
def update_object(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Replace an object (and rename it when the body names another)."""
    req.enforce("modify_metadef_object")
    ns, body = req.params["namespace"], req.json
    item = req.svc.metadefs.update_item(req.ctx, ns, "object", req.params["name"], body["name"],
                                        shapes.picked(body, shapes.OBJECT_KEYS))
    return shapes.obj(ns, item)


@router.delete(NS + "/objects/{name}", status=204)
def delete_object(req: ApiRequest[ImageState]) -> None:
    """Remove an object from the namespace."""
    req.enforce("delete_metadef_object")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "object",
                                  req.params["name"])
