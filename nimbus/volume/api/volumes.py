"""Volumes: create, list, show, update, delete."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import ValidationError
from nimbus.volume.api.common import (
    VolumeRouter,
    all_projects,
    base_url,
    ctx_dict,
    limit_marker,
    next_link,
    scope,
    sort_params,
)
from nimbus.volume.manager import ListQuery
from nimbus.volume.schemas import volumes as schema
from nimbus.volume.schemas.common import to_bool, validate

router = VolumeRouter()

# Query parameters that steer listing rather than filter it.
_NOT_FILTERS = {"limit", "marker", "sort", "sort_key", "sort_dir", "offset", "all_tenants",
                "with_count", "is_public"}


def _size(value: Any, required: bool) -> int | None:
    if value is None:
        if required:
            raise ValidationError(
                "Invalid input for field/attribute size. Value: None. size is required "
                "unless creating from a snapshot or another volume.",
                field="size", reason="required")
        return None
    try:
        size = int(str(value).strip())
    except ValueError:
        size = 0
    if isinstance(value, bool) or size < 1:
        raise ValidationError(
            f"Invalid input for field/attribute size. Value: {value}. size must be an integer "
            f"greater than 0.", field="size", reason="must be an integer greater than 0")
    return size


def _view(req: ApiRequest, vol: dict[str, Any]) -> dict[str, Any]:
    return schema.detail(vol, base_url(req), admin=req.ctx.is_admin, version=req.version)


# Cinder adds these through extensions on show and list only; create and update answer without
# them, and clients validate those answers against a closed schema.
_SHOW_ONLY = ("os-vol-tenant-attr:tenant_id", "volume_image_metadata", "os-vol-host-attr:host",
              "os-vol-mig-status-attr:migstat", "os-vol-mig-status-attr:name_id")


def _written(req: ApiRequest, vol: dict[str, Any]) -> dict[str, Any]:
    body = _view(req, vol)
    for key in _SHOW_ONLY:
        body.pop(key, None)
    return body


def _load(req: ApiRequest, volume_id: str, action: str) -> dict[str, Any]:
    vol = req.svc.volumes.get(volume_id, scope(req))
    req.enforce(action, target={"project_id": vol["project_id"]})
    return vol


@router.post("/volumes", status=202)
def create(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.CREATE, body)
    spec = dict(body["volume"])
    req.enforce("volume:create")
    if spec.get("imageRef"):
        req.enforce("volume:create_from_image")
    spec["name"] = spec.get("name", spec.get("display_name"))
    spec["description"] = spec.get("description", spec.get("display_description"))
    spec["size"] = _size(spec.get("size"),
                         required=not (spec.get("snapshot_id") or spec.get("source_volid")))
    if "multiattach" in spec:
        spec["multiattach"] = to_bool(spec["multiattach"], "multiattach")
    vol = req.svc.volumes.create(ctx_dict(req), spec)
    return {"volume": _written(req, vol)}


def _query(req: ApiRequest) -> ListQuery:
    limit, marker = limit_marker(req)
    every = all_projects(req) and req.ctx.is_admin and (req.query_bool("all_tenants") or False)
    filters = {k: v for k, v in req.query.items() if k not in _NOT_FILTERS}
    return ListQuery(project_id=None if every else req.ctx.project_id, filters=filters,
                     limit=limit, marker=marker, sort=sort_params(req))


def _listing(req: ApiRequest, detailed: bool) -> dict[str, Any]:
    req.enforce("volume:get_all")
    query = _query(req)
    found = req.svc.volumes.list(query)
    items = [_view(req, v) if detailed else schema.summary(v, base_url(req)) for v in found]
    result: dict[str, Any] = {"volumes": items}
    links = next_link(req, "volumes/detail" if detailed else "volumes", items, query.limit)
    if links:
        result["volumes_links"] = links
    if req.at_least("3.45") and req.query_bool("with_count"):
        result["count"] = len(req.svc.volumes.list(ListQuery(query.project_id, query.filters)))
    return result


@router.get("/volumes")
def index(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detailed=False)


@router.get("/volumes/detail")
def detail(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detailed=True)


@router.get("/volumes/summary")
def summary(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume:get_all")
    found = req.svc.volumes.list(ListQuery(project_id=req.ctx.project_id))
    body: dict[str, Any] = {"total_size": sum(v["size"] for v in found),
                            "total_count": len(found)}
    if req.at_least("3.36"):
        body["metadata"] = {}
        for vol in found:
            for key, value in vol["metadata"].items():
                values = body["metadata"].setdefault(key, [])
                if value not in values:
                    values.append(value)
    return {"volume-summary": body}


@router.get("/volumes/{volume_id}")
def show(req: ApiRequest) -> dict[str, Any]:
    vol = _load(req, req.params["volume_id"], "volume:get")
    return {"volume": _view(req, vol)}


@router.put("/volumes/{volume_id}")
def update(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.UPDATE, body)
    changes = body["volume"]
    vol = _load(req, req.params["volume_id"], "volume:update")
    wanted: dict[str, Any] = {}
    for key, alias in (("name", "display_name"), ("description", "display_description")):
        if key in changes or alias in changes:
            wanted[key] = changes.get(key, changes.get(alias))
    if "metadata" in changes:
        wanted["metadata"] = changes["metadata"] or {}
    vol = req.svc.volumes.update(vol["id"], None, wanted)
    return {"volume": _written(req, vol)}


@router.delete("/volumes/{volume_id}", status=202)
def delete(req: ApiRequest) -> Reply:
    vol = _load(req, req.params["volume_id"], "volume:delete")
    cascade = req.query_bool("cascade") or False
    force = req.query_bool("force") or False
    if force:
        req.enforce("volume:force_delete", target={"project_id": vol["project_id"]})
    req.svc.volumes.delete(ctx_dict(req), vol["id"], None, cascade=cascade, force=force)
    return Reply(None, status=202)
