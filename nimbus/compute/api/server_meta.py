"""Server metadata and tags: ``/servers/{id}/metadata`` and ``/servers/{id}/tags``."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas import common
from nimbus.compute.schemas.servers import check_tags
from nimbus.compute.servers import update_fields
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()
META = f"{V}/servers/{{server_id}}/metadata"
TAGS = f"{V}/servers/{{server_id}}/tags"


@router.get(META)
def meta_index(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:server-metadata:index")
    return {"metadata": dict(row.metadata_items or {})}


@router.post(META)
def meta_create(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:server-metadata:create")
    items = common.metadata(req.body_dict().get("metadata"))
    merged = dict(row.metadata_items or {}, **items)
    return {"metadata": update_fields(req.svc, row, metadata_items=merged).metadata_items}


@router.put(META)
def meta_replace(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:server-metadata:update_all")
    items = common.metadata(req.body_dict().get("metadata"))
    return {"metadata": update_fields(req.svc, row, metadata_items=items).metadata_items}


@router.get(f"{META}/{{key}}")
def meta_show(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:server-metadata:show")
    key = req.params["key"]
    if key not in (row.metadata_items or {}):
        raise NotFound("Metadata item was not found")
    return {"meta": {key: row.metadata_items[key]}}


@router.put(f"{META}/{{key}}")
def meta_update(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:server-metadata:update")
    key = req.params["key"]
    item = common.metadata(req.body_dict().get("meta"), "meta")
    if list(item) != [key]:
        raise BadRequest("Request body and URI mismatch")
    update_fields(req.svc, row, metadata_items=dict(row.metadata_items or {}, **item))
    return {"meta": item}


@router.delete(f"{META}/{{key}}", status=204)
def meta_delete(req: ApiRequest) -> None:
    row = server_for(req, "os_compute_api:server-metadata:delete")
    items = dict(row.metadata_items or {})
    if req.params["key"] not in items:
        raise NotFound("Metadata item was not found")
    del items[req.params["key"]]
    update_fields(req.svc, row, metadata_items=items)


def _tags_version(req: ApiRequest) -> None:
    if not req.at_least("2.26"):
        raise NotFound(f"The resource could not be found: {req.path}")


@router.get(TAGS)
def tags_index(req: ApiRequest) -> dict[str, Any]:
    _tags_version(req)
    row = server_for(req, "os_compute_api:os-server-tags:index")
    return {"tags": list(row.tags or [])}


@router.put(TAGS)
def tags_replace(req: ApiRequest) -> dict[str, Any]:
    _tags_version(req)
    row = server_for(req, "os_compute_api:os-server-tags:update_all")
    tags = check_tags(req.body_dict().get("tags"))
    return {"tags": update_fields(req.svc, row, tags=tags).tags}


@router.delete(TAGS, status=204)
def tags_clear(req: ApiRequest) -> None:
    _tags_version(req)
    row = server_for(req, "os_compute_api:os-server-tags:delete_all")
    update_fields(req.svc, row, tags=[])


@router.get(f"{TAGS}/{{tag}}", status=204)
def tag_show(req: ApiRequest) -> None:
    _tags_version(req)
    row = server_for(req, "os_compute_api:os-server-tags:show")
    if req.params["tag"] not in (row.tags or []):
        raise NotFound(f"Tag {req.params['tag']} could not be found.")


@router.put(f"{TAGS}/{{tag}}")
def tag_add(req: ApiRequest) -> Reply:
    _tags_version(req)
    row = server_for(req, "os_compute_api:os-server-tags:update")
    tag = check_tags([req.params["tag"]], "tag")[0]
    location = f"{req.service_url}/v2.1/servers/{row.uuid}/tags/{tag}"
    if tag in (row.tags or []):
        return Reply(None, status=204, headers={"Location": location})
    update_fields(req.svc, row, tags=[*(row.tags or []), tag])
    return Reply(None, status=201, headers={"Location": location})


@router.delete(f"{TAGS}/{{tag}}", status=204)
def tag_delete(req: ApiRequest) -> None:
    _tags_version(req)
    row = server_for(req, "os_compute_api:os-server-tags:delete")
    if req.params["tag"] not in (row.tags or []):
        raise NotFound(f"Tag {req.params['tag']} could not be found.")
    update_fields(req.svc, row, tags=[t for t in row.tags if t != req.params["tag"]])
