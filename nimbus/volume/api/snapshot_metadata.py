"""A snapshot's metadata: /snapshots/{id}/metadata and /snapshots/{id}/metadata/{key}."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import BadRequest
from nimbus.volume.api.common import VolumeRouter, scope
from nimbus.volume.schemas import volumes as volume_schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()


def _owner(req: ApiRequest[VolumeState], action: str) -> str:
    snap = req.svc.snapshots.get(req.params["snapshot_id"], scope(req))
    req.enforce(action, target={"project_id": snap["project_id"]})
    return str(snap["id"])


@router.get("/snapshots/{snapshot_id}/metadata")
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a snapshot's metadata."""
    snapshot_id = _owner(req, "volume:get_snapshot_metadata")
    return {"metadata": req.svc.snapshots.metadata(snapshot_id, None)}


@router.post("/snapshots/{snapshot_id}/metadata", body=volume_schema.METADATA_BODY)
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Add or change metadata items, keeping the others."""
    snapshot_id = _owner(req, "volume:update_snapshot_metadata")
    return {"metadata": req.svc.snapshots.set_metadata(snapshot_id, None, req.json["metadata"],
                                                       replace=False)}


@router.put("/snapshots/{snapshot_id}/metadata", body=volume_schema.METADATA_BODY)
def replace(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Replace a snapshot's metadata."""
    snapshot_id = _owner(req, "volume:update_snapshot_metadata")
    return {"metadata": req.svc.snapshots.set_metadata(snapshot_id, None, req.json["metadata"],
                                                       replace=True)}


@router.get("/snapshots/{snapshot_id}/metadata/{key}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show one metadata item."""
    snapshot_id = _owner(req, "volume:get_snapshot_metadata")
    key = req.params["key"]
    return {"meta": {key: req.svc.snapshots.metadata_item(snapshot_id, None, key)}}


@router.put("/snapshots/{snapshot_id}/metadata/{key}", body=volume_schema.META_ITEM_BODY)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Set one metadata item (the body's key must be the URL's)."""
    meta = req.json["meta"]
    key = req.params["key"]
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    snapshot_id = _owner(req, "volume:update_snapshot_metadata")
    req.svc.snapshots.set_metadata(snapshot_id, None, meta, replace=False)
    return {"meta": {key: meta[key]}}


@router.delete("/snapshots/{snapshot_id}/metadata/{key}")
def delete(req: ApiRequest[VolumeState]) -> None:
    """Delete one metadata item."""
    snapshot_id = _owner(req, "volume:delete_snapshot_metadata")
    req.svc.snapshots.delete_metadata_item(snapshot_id, None, req.params["key"])
