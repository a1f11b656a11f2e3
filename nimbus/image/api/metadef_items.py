"""Objects, properties and tags inside a metadata-definition namespace."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest
from nimbus.image.schemas import metadefs as shapes

router = Router()
NS = "/v2/metadefs/namespaces/{namespace}"


def _name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("A 'name' is required.")
    return name


# -- objects -------------------------------------------------------------------------------

@router.get(NS + "/objects")
def list_objects(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_objects")
    ns = req.params["namespace"]
    items = req.svc.metadefs.list_items(req.ctx, ns, "object")
    return {"objects": [shapes.obj(ns, i) for i in items],
            "schema": "/v2/schemas/metadefs/objects"}


@router.post(NS + "/objects", status=201)
def create_object(req: ApiRequest) -> dict[str, Any]:
    req.enforce("add_metadef_object")
    ns, body = req.params["namespace"], req.body_dict()
    item = req.svc.metadefs.add_item(req.ctx, ns, "object", _name(body),
                                     shapes.picked(body, shapes.OBJECT_KEYS))
    return shapes.obj(ns, item)


@router.get(NS + "/objects/{name}")
def show_object(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_object")
    ns = req.params["namespace"]
    return shapes.obj(ns, req.svc.metadefs.get_item(req.ctx, ns, "object", req.params["name"]))


@router.put(NS + "/objects/{name}")
def update_object(req: ApiRequest) -> dict[str, Any]:
    req.enforce("modify_metadef_object")
    ns, body = req.params["namespace"], req.body_dict()
    item = req.svc.metadefs.update_item(req.ctx, ns, "object", req.params["name"], _name(body),
                                        shapes.picked(body, shapes.OBJECT_KEYS))
    return shapes.obj(ns, item)


@router.delete(NS + "/objects/{name}", status=204)
def delete_object(req: ApiRequest) -> None:
    req.enforce("delete_metadef_object")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "object",
                                  req.params["name"])


# -- properties ----------------------------------------------------------------------------

@router.get(NS + "/properties")
def list_properties(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_properties")
    items = req.svc.metadefs.list_items(req.ctx, req.params["namespace"], "property")
    return {"properties": {i["name"]: i["body"] for i in items}}


@router.post(NS + "/properties", status=201)
def create_property(req: ApiRequest) -> dict[str, Any]:
    req.enforce("add_metadef_property")
    body = req.body_dict()
    if not isinstance(body.get("title"), str) or not isinstance(body.get("type"), str):
        raise BadRequest("A property needs a 'title' and a 'type'.")
    item = req.svc.metadefs.add_item(req.ctx, req.params["namespace"], "property",
                                     _name(body), shapes.picked(body, shapes.PROPERTY_KEYS))
    return shapes.prop(item)


@router.get(NS + "/properties/{name}")
def show_property(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_property")
    return shapes.prop(req.svc.metadefs.get_item(req.ctx, req.params["namespace"], "property",
                                                 req.params["name"]))


@router.put(NS + "/properties/{name}")
def update_property(req: ApiRequest) -> dict[str, Any]:
    req.enforce("modify_metadef_property")
    body = req.body_dict()
    item = req.svc.metadefs.update_item(req.ctx, req.params["namespace"], "property",
                                        req.params["name"], _name(body),
                                        shapes.picked(body, shapes.PROPERTY_KEYS))
    return shapes.prop(item)


@router.delete(NS + "/properties/{name}", status=204)
def delete_property(req: ApiRequest) -> None:
    req.enforce("remove_metadef_property")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "property",
                                  req.params["name"])


# -- tags ----------------------------------------------------------------------------------

@router.get(NS + "/tags")
def list_tags(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_tags")
    items = req.svc.metadefs.list_items(req.ctx, req.params["namespace"], "tag")
    return {"tags": [shapes.tag(i) for i in items]}


@router.post(NS + "/tags", status=201)
def create_tags(req: ApiRequest) -> dict[str, Any]:
    """Replace the namespace's tags (or add to them with ``X-Openstack-Append: true``)."""
    req.enforce("add_metadef_tags")
    tags = req.body_dict().get("tags")
    if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags):
        raise BadRequest("'tags' must be a list of objects with a 'name'.")
    append = req.headers.get("x-openstack-append", "").lower() == "true"
    created = req.svc.metadefs.replace_items(req.ctx, req.params["namespace"], "tag",
                                             [(_name(t), {}) for t in tags], append)
    return {"tags": [{"name": i["name"]} for i in created]}


@router.delete(NS + "/tags", status=204)
def delete_tags(req: ApiRequest) -> None:
    req.enforce("delete_metadef_tags")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "tag")


@router.post(NS + "/tags/{name}", status=201)
def create_tag(req: ApiRequest) -> dict[str, Any]:
    req.enforce("add_metadef_tag")
    return shapes.tag(req.svc.metadefs.add_item(req.ctx, req.params["namespace"], "tag",
                                                req.params["name"], {}))


@router.get(NS + "/tags/{name}")
def show_tag(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_tag")
    return shapes.tag(req.svc.metadefs.get_item(req.ctx, req.params["namespace"], "tag",
                                                req.params["name"]))


@router.put(NS + "/tags/{name}")
def update_tag(req: ApiRequest) -> dict[str, Any]:
    req.enforce("modify_metadef_tag")
    body = req.body_dict()
    return shapes.tag(req.svc.metadefs.update_item(req.ctx, req.params["namespace"], "tag",
                                                   req.params["name"], _name(body), {}))


@router.delete(NS + "/tags/{name}", status=204)
def delete_tag(req: ApiRequest) -> None:
    req.enforce("delete_metadef_tag")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "tag", req.params["name"])
