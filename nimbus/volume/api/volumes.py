"""Volumes: create, list, show, update, delete."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import (
    VolumeRouter,
    base_url,
    ctx_dict,
    listing_scope,
    next_link,
    page_query,
    scope,
)
from nimbus.volume.manager.volumes import filters_from
from nimbus.volume.schemas import volumes as schema
from nimbus.volume.schemas.common import to_bool, to_size
from nimbus.volume.state import VolumeState

router = VolumeRouter()


def _view(req: ApiRequest[VolumeState], vol: dict[str, Any]) -> dict[str, Any]:
    return schema.detail(vol, base_url(req), admin=req.ctx.is_admin, version=req.version)


# Cinder adds these through extensions on show and list only; create and update answer without
# them, and clients validate those answers against a closed schema.
_SHOW_ONLY = ("os-vol-tenant-attr:tenant_id", "volume_image_metadata", "os-vol-host-attr:host",
              "os-vol-mig-status-attr:migstat", "os-vol-mig-status-attr:name_id")


def _written(req: ApiRequest[VolumeState], vol: dict[str, Any]) -> dict[str, Any]:
    body = _view(req, vol)
    for key in _SHOW_ONLY:
        body.pop(key, None)
    return body


def _load(req: ApiRequest[VolumeState], volume_id: str, action: str) -> dict[str, Any]:
    vol = req.svc.volumes.get(volume_id, scope(req))
    req.enforce(action, target={"project_id": vol["project_id"]})
    return vol


@router.post("/volumes", status=202, body=schema.CREATE_BY_VERSION, faults=(404, 409))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Create a volume."""
    spec = dict(req.json["volume"])
    req.enforce("volume:create")
    if spec.get("imageRef") is not None:
        req.enforce("volume:create_from_image")
    spec["name"] = spec.get("name", spec.get("display_name"))
    spec["description"] = spec.get("description", spec.get("display_description"))
    spec["size"] = to_size(spec["size"]) if spec.get("size") is not None else None
    if "multiattach" in spec:
        spec["multiattach"] = to_bool(spec["multiattach"], "multiattach")
    if not req.at_least("3.47"):
        spec.pop("backup_id", None)     # not a member before 3.47: ignored, as in Cinder
    elif spec.get("backup_id"):
        # A volume made from a backup is the backup restored into a new volume.
        volume_id = req.svc.backups.create_volume(ctx_dict(req), spec)
        return {"volume": _written(req, req.svc.volumes.get(volume_id, None))}
    # The image is looked up with the caller's own token, so it is one they may see.
    vol = req.svc.volumes.create(ctx_dict(req), spec, token=req.ctx.auth_token,
                                 nova_images=req.at_least("3.46"))
    return {"volume": _written(req, vol)}


def _listing(req: ApiRequest[VolumeState], detailed: bool) -> dict[str, Any]:
    req.enforce("volume:get_all")
    filters = filters_from(listing_scope(req), dict(req.query))
    query = page_query(req)
    found = req.svc.volumes.listing(filters, query).items
    items = [_view(req, v) if detailed else schema.summary(v, base_url(req)) for v in found]
    result: dict[str, Any] = {"volumes": items}
    links = next_link(req, "volumes/detail" if detailed else "volumes", items, query.limit)
    if links:
        result["volumes_links"] = links
    if req.at_least("3.45") and req.args.get("with_count"):
        result["count"] = req.svc.volumes.count(filters)
    return result


@router.get("/volumes", query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List volumes (id, name and links)."""
    return _listing(req, detailed=False)


@router.get("/volumes/detail", query=schema.LIST_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List volumes with details."""
    return _listing(req, detailed=True)


@router.get("/volumes/summary")
def summary(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Total count and size of the project's volumes (and, from 3.36, their metadata)."""
    req.enforce("volume:get_all")
    body = req.svc.volumes.summary(str(req.ctx.project_id), with_metadata=req.at_least("3.36"))
    return {"volume-summary": body}


@router.get("/volumes/{volume_id}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a volume."""
    vol = _load(req, req.params["volume_id"], "volume:get")
    return {"volume": _view(req, vol)}


@router.put("/volumes/{volume_id}", body=schema.UPDATE)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Update a volume's name, description or metadata."""
    changes = req.json["volume"]
    vol = _load(req, req.params["volume_id"], "volume:update")
    wanted: dict[str, Any] = {}
    for key, alias in (("name", "display_name"), ("description", "display_description")):
        if key in changes or alias in changes:
            wanted[key] = changes.get(key, changes.get(alias))
    if "metadata" in changes:
        wanted["metadata"] = changes["metadata"] or {}
    vol = req.svc.volumes.update(vol["id"], None, wanted)
    return {"volume": _written(req, vol)}


@router.delete("/volumes/{volume_id}", status=202, query=schema.DELETE_QUERY)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a volume (``cascade`` takes its snapshots too; ``force`` is for admins)."""
    vol = _load(req, req.params["volume_id"], "volume:delete")
    cascade = bool(req.args.get("cascade"))
    force = bool(req.args.get("force"))
    if force:
        req.enforce("volume:force_delete", target={"project_id": vol["project_id"]})
    req.svc.volumes.delete(ctx_dict(req), vol["id"], None, cascade=cascade, force=force)
    return Reply(None, status=202)
