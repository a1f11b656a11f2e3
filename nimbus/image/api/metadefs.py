"""``/v2/metadefs/namespaces`` and ``/v2/metadefs/resource_types``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest
from nimbus.image.metadefs import NAMESPACE_FIELDS, RESOURCE_TYPES
from nimbus.image.schemas import metadefs as shapes

router = Router()
NS = "/v2/metadefs/namespaces/{namespace}"


def _contents(body: dict[str, Any]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The objects, properties, tags and associations a create body may carry."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    assoc = body.get("resource_type_associations") or []
    objs = body.get("objects") or []
    tags = body.get("tags") or []
    props = body.get("properties") or {}
    if not isinstance(assoc, list) or not isinstance(objs, list) or \
            not isinstance(tags, list) or not isinstance(props, dict):
        raise BadRequest("Namespace contents have the wrong shape.")
    out["resource_type"] = [(str(a.get("name") or ""), shapes.picked(a, shapes.ASSOCIATION_KEYS))
                            for a in assoc if isinstance(a, dict)]
    out["object"] = [(str(o.get("name") or ""), shapes.picked(o, shapes.OBJECT_KEYS))
                     for o in objs if isinstance(o, dict)]
    out["tag"] = [(str(t.get("name") or ""), {}) for t in tags if isinstance(t, dict)]
    out["property"] = [(n, shapes.picked(p, shapes.PROPERTY_KEYS))
                       for n, p in props.items() if isinstance(p, dict)]
    return out


@router.get("/v2/metadefs/namespaces")
def list_namespaces(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_namespaces")
    types = [t for t in (req.query.get("resource_types") or "").split(",") if t]
    rows = req.svc.metadefs.list_namespaces(req.ctx, req.query.get("visibility"), types)
    return {"namespaces": [shapes.namespace(r) for r in rows],
            "first": "/v2/metadefs/namespaces", "schema": "/v2/schemas/metadefs/namespaces"}


@router.post("/v2/metadefs/namespaces", status=201)
def create_namespace(req: ApiRequest) -> dict[str, Any]:
    req.enforce("add_metadef_namespace")
    body = req.body_dict()
    values = shapes.picked(body, (*NAMESPACE_FIELDS, "owner"))
    created = req.svc.metadefs.create_namespace(req.ctx, values, _contents(body))
    return shapes.namespace(created, full=True)


@router.get(NS)
def show_namespace(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_namespace")
    return shapes.namespace(req.svc.metadefs.get_namespace(req.ctx, req.params["namespace"]),
                            full=True)


@router.put(NS)
def update_namespace(req: ApiRequest) -> dict[str, Any]:
    req.enforce("modify_metadef_namespace")
    body = req.body_dict()
    values = shapes.picked(body, (*NAMESPACE_FIELDS, "owner"))
    return shapes.namespace(req.svc.metadefs.update_namespace(
        req.ctx, req.params["namespace"], values), full=True)


@router.delete(NS, status=204)
def delete_namespace(req: ApiRequest) -> None:
    req.enforce("delete_metadef_namespace")
    req.svc.metadefs.delete_namespace(req.ctx, req.params["namespace"])


@router.get("/v2/metadefs/resource_types")
def list_resource_types(req: ApiRequest) -> dict[str, Any]:
    req.enforce("list_metadef_resource_types")
    return {"resource_types": [{"name": n, "created_at": "2014-08-28T17:13:04Z",
                                "updated_at": "2014-08-28T17:13:04Z"} for n in RESOURCE_TYPES]}


@router.get(NS + "/resource_types")
def list_associations(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_metadef_resource_type")
    items = req.svc.metadefs.list_items(req.ctx, req.params["namespace"], "resource_type")
    return {"resource_type_associations": [shapes.association(i) for i in items]}


@router.post(NS + "/resource_types", status=201)
def add_association(req: ApiRequest) -> dict[str, Any]:
    req.enforce("add_metadef_resource_type_association")
    body = req.body_dict()
    item = req.svc.metadefs.add_item(req.ctx, req.params["namespace"], "resource_type",
                                     body.get("name"), shapes.picked(body,
                                                                     shapes.ASSOCIATION_KEYS))
    return shapes.association(item)


@router.delete(NS + "/resource_types/{name}", status=204)
def remove_association(req: ApiRequest) -> None:
    req.enforce("remove_metadef_resource_type_association")
    req.svc.metadefs.delete_items(req.ctx, req.params["namespace"], "resource_type",
                                  req.params["name"])
