"""Snapshots: create, list, show, update, delete."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import NotFound
from nimbus.volume.api.common import (
    VolumeRouter,
    ctx_dict,
    listing_scope,
    next_link,
    page_query,
    scope,
)
from nimbus.volume.errors import InvalidInput
from nimbus.volume.manager.snapshots import SnapshotFilters
from nimbus.volume.schemas import snapshots as schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()


def _view(req: ApiRequest[VolumeState], snap: dict[str, Any]) -> dict[str, Any]:
    return schema.view(snap, admin=req.ctx.is_admin, at_least=req.at_least)


def _summary(req: ApiRequest[VolumeState], snap: dict[str, Any]) -> dict[str, Any]:
    """Create, update and the plain listing leave out the extended attributes, as Cinder
    does (clients check these bodies against closed schemas)."""
    return {k: v for k, v in _view(req, snap).items() if k not in schema.EXTENDED}


def _listing(req: ApiRequest[VolumeState], detailed: bool) -> dict[str, Any]:
    req.enforce("volume:get_all_snapshots")
    filters = SnapshotFilters(project_id=listing_scope(req),
                              status=req.args.get("status") or None,
                              volume_id=req.args.get("volume_id") or None,
                              name=req.args.get("name") or None)
    query = page_query(req)
    found = req.svc.snapshots.listing(filters, query).items
    views = [(_view if detailed else _summary)(req, s) for s in found]
    result: dict[str, Any] = {"snapshots": views}
    links = next_link(req, "snapshots/detail" if detailed else "snapshots", views, query.limit)
    if links:
        result["snapshots_links"] = links
    return result


@router.get("/snapshots", query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List snapshots."""
    return _listing(req, detailed=False)


@router.get("/snapshots/detail", query=schema.LIST_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List snapshots with their extended attributes."""
    return _listing(req, detailed=True)


@router.post("/snapshots", status=202, body=schema.CREATE, faults=(404,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Snapshot a volume."""
    spec = req.json["snapshot"]
    if spec["volume_id"] is None:
        # Cinder looks the volume up before anything else: no id is a volume not found.
        raise NotFound("Volume None could not be found.", resource="volume", id="None")
    vol = req.svc.volumes.get(spec["volume_id"], scope(req))
    req.enforce("volume:create_snapshot", target={"project_id": vol["project_id"]})
    force = to_bool(spec.get("force", False), "force")
    if req.at_least("3.66"):
        # From 3.66 an in-use volume is snapshotted without asking; an explicit "no" is an
        # error, as in Cinder.
        if "force" in spec and not force:
            raise InvalidInput(reason="The 'force' parameter is not needed since microversion "
                                      "3.66; setting it to false is invalid.")
        force = True
    snap = req.svc.snapshots.create(
        ctx_dict(req), vol["id"], None, spec.get("name", spec.get("display_name")),
        spec.get("description", spec.get("display_description")), spec.get("metadata") or {},
        force)
    return {"snapshot": _summary(req, snap)}


def _owned(req: ApiRequest[VolumeState], action: str) -> dict[str, Any]:
    snap = req.svc.snapshots.get(req.params["snapshot_id"], scope(req))
    req.enforce(action, target={"project_id": snap["project_id"]})
    return dict(snap)


@router.get("/snapshots/{snapshot_id}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a snapshot."""
    return {"snapshot": _view(req, _owned(req, "volume:get_snapshot"))}


@router.put("/snapshots/{snapshot_id}", body=schema.UPDATE)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Rename a snapshot or change its description."""
    spec = req.json["snapshot"]
    snap = _owned(req, "volume:update_snapshot")
    changes: dict[str, Any] = {}
    for key, alias in (("name", "display_name"), ("description", "display_description")):
        if key in spec or alias in spec:
            changes[key] = spec.get(key, spec.get(alias))
    return {"snapshot": _summary(req, req.svc.snapshots.update(snap["id"], None, changes))}


@router.delete("/snapshots/{snapshot_id}", status=202)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a snapshot."""
    snap = _owned(req, "volume:delete_snapshot")
    req.svc.snapshots.delete(ctx_dict(req), snap["id"], None)
    return Reply(None, status=202)
