"""A volume's metadata: /volumes/{id}/metadata and /volumes/{id}/metadata/{key}."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import BadRequest
from nimbus.volume.api.common import VolumeRouter, scope
from nimbus.volume.schemas import volumes as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()


def _owner(req: ApiRequest[VolumeState], action: str) -> str:
    vol = req.svc.volumes.get(req.params["volume_id"], scope(req))
    req.enforce(action, target={"project_id": vol["project_id"]})
    return str(vol["id"])


@router.get("/volumes/{volume_id}/metadata")
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a volume's metadata."""
    volume_id = _owner(req, "volume:get_volume_metadata")
    return {"metadata": req.svc.actions.metadata(volume_id, None)}


@router.post("/volumes/{volume_id}/metadata", body=schema.METADATA_BODY)
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Add or change metadata items, keeping the others."""
    volume_id = _owner(req, "volume:create_volume_metadata")
    return {"metadata": req.svc.actions.set_metadata(volume_id, None, req.json["metadata"],
                                                     replace=False)}


@router.put("/volumes/{volume_id}/metadata", body=schema.METADATA_BODY)
def replace(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Replace a volume's metadata."""
    volume_id = _owner(req, "volume:update_volume_metadata")
    return {"metadata": req.svc.actions.set_metadata(volume_id, None, req.json["metadata"],
                                                     replace=True)}


@router.get("/volumes/{volume_id}/metadata/{key}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show one metadata item."""
    volume_id = _owner(req, "volume:get_volume_metadata")
    key = req.params["key"]
    return {"meta": {key: req.svc.actions.metadata_item(volume_id, None, key)}}


@router.put("/volumes/{volume_id}/metadata/{key}", body=schema.META_ITEM_BODY)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Set one metadata item (the body's key must be the URL's)."""
    meta = req.json["meta"]
    key = req.params["key"]
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    volume_id = _owner(req, "volume:update_volume_metadata")
    req.svc.actions.set_metadata(volume_id, None, meta, replace=False)
    return {"meta": {key: meta[key]}}


@router.delete("/volumes/{volume_id}/metadata/{key}")
def delete(req: ApiRequest[VolumeState]) -> None:
    """Delete one metadata item."""
    volume_id = _owner(req, "volume:delete_volume_metadata")
    req.svc.actions.delete_metadata_item(volume_id, None, req.params["key"])
