"""``/v2/metadefs/namespaces``: the catalog's namespaces (paged by name, as Glance does)."""

from __future__ import annotations

import dataclasses
from typing import Any

from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.constants import DEFAULT_LIMIT, MAX_LIMIT
from nimbus.image.manager.metadefs import NAMESPACE_FIELDS, Contents
from nimbus.image.schemas import metadef_requests as bodies
from nimbus.image.schemas import metadefs as shapes
from nimbus.image.schemas import views
from nimbus.image.state import ImageState

router = Router()
BASE = "/v2/metadefs/namespaces"
NS = BASE + "/{namespace}"


def _contents(body: dict[str, Any]) -> Contents:
    """The objects, properties, tags and associations a create body may carry."""
    return {
        "resource_type": [(a["name"], shapes.picked(a, shapes.ASSOCIATION_KEYS))
                          for a in body.get("resource_type_associations") or []],
        "object": [(o["name"], shapes.picked(o, shapes.OBJECT_KEYS))
                   for o in body.get("objects") or []],
        "tag": [(t["name"], {}) for t in body.get("tags") or []],
        "property": [(n, shapes.picked(p, shapes.PROPERTY_KEYS))
                     for n, p in (body.get("properties") or {}).items()],
    }


@router.get(BASE, query=bodies.NAMESPACE_LIST_QUERY)
def list_namespaces(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One page of namespaces, newest first; ``next`` whenever the page is full."""
    req.enforce("get_metadef_namespaces")
    types = [t for t in (req.args.get("resource_types") or "").split(",") if t]
    sort = [(req.args.get("sort_key", "created_at"), req.args.get("sort_dir", "desc"))]
    query = paging.page_query(req, sort=sort)
    if query.limit is None:
        query = dataclasses.replace(query, limit=DEFAULT_LIMIT)
    found = req.svc.metadefs.list_namespaces(req.ctx, query, req.args.get("visibility"), types)
    limit = min(query.limit or 0, MAX_LIMIT)
    full = found.items and len(found.items) == limit
    links = views.collection(BASE, list(req.query.multi_items()),
                             found.items[-1]["namespace"] if full else None)
    body = {"namespaces": [shapes.namespace(r) for r in found.items], **links,
            "schema": "/v2/schemas/metadefs/namespaces"}
    return body


@router.post(BASE, status=201, body=bodies.CREATE_NAMESPACE, faults=(409,))
def create_namespace(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Create a namespace, with any objects, properties, tags and associations it holds."""
    req.enforce("add_metadef_namespace")
    body = req.json
    values = shapes.picked(body, (*NAMESPACE_FIELDS, "owner"))
    created = req.svc.metadefs.create_namespace(req.ctx, values, _contents(body))
    return shapes.namespace(created, full=True)


@router.get(NS)
def show_namespace(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """A namespace with everything it holds."""
    req.enforce("get_metadef_namespace")
    return shapes.namespace(req.svc.metadefs.get_namespace(req.ctx, req.params["namespace"]),
                            full=True)


@router.put(NS, body=bodies.UPDATE_NAMESPACE, faults=(409,))
def update_namespace(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Change a namespace's attributes (or its name)."""
    req.enforce("modify_metadef_namespace")
    values = shapes.picked(req.json, (*NAMESPACE_FIELDS, "owner"))
    return shapes.namespace(req.svc.metadefs.update_namespace(
        req.ctx, req.params["namespace"], values), full=True)


@router.delete(NS, status=204)
def delete_namespace(req: ApiRequest[ImageState]) -> None:
    """Delete a namespace and its contents (403 while it is protected)."""
    req.enforce("delete_metadef_namespace")
    req.svc.metadefs.delete_namespace(req.ctx, req.params["namespace"])
