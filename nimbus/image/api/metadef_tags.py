"""The tags inside a metadata-definition namespace."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.schemas import metadef_requests as bodies
from nimbus.image.schemas import metadefs as shapes
from nimbus.image.state import ImageState

router = Router()
NS = "/v2/metadefs/namespaces/{namespace}"


@router.get(NS + "/tags")
def list_tags(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The namespace's tags."""
    req.enforce("get_metadef_tags")
    items = req.svc.metadefs.list_items(req.ctx, req.params["namespace"], "tag")
    return {"tags": [shapes.tag(i) for i in items]}


@router.post(NS + "/tags", status=201, body=bodies.TAGS, faults=(409,))
def create_tags(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Replace the namespace's tags (or add to them with ``X-Openstack-Append: true``)."""
    req.enforce("add_metadef_tags")
    append = req.headers.get("x-openstack-append", "").lower() == "true"
    created = req.svc.metadefs.replace_items(req.ctx, req.params["namespace"], "tag",
                                             [(t["name"], {}) for t in req.json["tags"]],
                                             append)
    return {"tags": [{"name": i["name"]} for i in created]}


@router.delete(NS + "/tags", status=204)
def delete_tags(req: ApiRequest[ImageState]) -> None:
    """Remove every tag of the namespace."""
    req.enforce("delete_metadef_tags")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "tag")


@router.post(NS + "/tags/{name}", status=201, faults=(409,))
def create_tag(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Add one tag to the namespace."""
    req.enforce("add_metadef_tag")
    return shapes.tag(req.svc.metadefs.add_item(req.ctx, req.params["namespace"], "tag",
                                                req.params["name"], {}))


@router.get(NS + "/tags/{name}")
def show_tag(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One tag."""
    req.enforce("get_metadef_tag")
    return shapes.tag(req.svc.metadefs.get_item(req.ctx, req.params["namespace"], "tag",
                                                req.params["name"]))


@router.put(NS + "/tags/{name}", body=bodies.TAG, faults=(409,))
def update_tag(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Rename a tag."""
    req.enforce("modify_metadef_tag")
    return shapes.tag(req.svc.metadefs.update_item(req.ctx, req.params["namespace"], "tag",
                                                   req.params["name"], req.json["name"], {}))


@router.delete(NS + "/tags/{name}", status=204)
def delete_tag(req: ApiRequest[ImageState]) -> None:
    """Remove one tag from the namespace."""
    req.enforce("delete_metadef_tag")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "tag", req.params["name"])
