"""A volume's metadata: /volumes/{id}/metadata and /volumes/{id}/metadata/{key}."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import BadRequest
from nimbus.volume.api.common import VolumeRouter, scope
from nimbus.volume.schemas import volumes as schema
from nimbus.volume.schemas.common import validate

router = VolumeRouter()


def _owner(req: ApiRequest, action: str) -> str:
    vol = req.svc.volumes.get(req.params["volume_id"], scope(req))
    req.enforce(action, target={"project_id": vol["project_id"]})
    return str(vol["id"])


@router.get("/volumes/{volume_id}/metadata")
def index(req: ApiRequest) -> dict[str, Any]:
    volume_id = _owner(req, "volume:get_volume_metadata")
    return {"metadata": req.svc.ops.metadata(volume_id, None)}


@router.post("/volumes/{volume_id}/metadata")
def create(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.METADATA_BODY, body)
    volume_id = _owner(req, "volume:create_volume_metadata")
    return {"metadata": req.svc.ops.set_metadata(volume_id, None, body["metadata"],
                                                 replace=False)}


@router.put("/volumes/{volume_id}/metadata")
def replace(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.METADATA_BODY, body)
    volume_id = _owner(req, "volume:update_volume_metadata")
    return {"metadata": req.svc.ops.set_metadata(volume_id, None, body["metadata"],
                                                 replace=True)}


@router.get("/volumes/{volume_id}/metadata/{key}")
def show(req: ApiRequest) -> dict[str, Any]:
    volume_id = _owner(req, "volume:get_volume_metadata")
    key = req.params["key"]
    return {"meta": {key: req.svc.ops.metadata_item(volume_id, None, key)}}


@router.put("/volumes/{volume_id}/metadata/{key}")
def update(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.META_ITEM_BODY, body)
    key = req.params["key"]
    if key not in body["meta"]:
        raise BadRequest("Request body and URI mismatch")
    volume_id = _owner(req, "volume:update_volume_metadata")
    req.svc.ops.set_metadata(volume_id, None, body["meta"], replace=False)
    return {"meta": {key: body["meta"][key]}}


@router.delete("/volumes/{volume_id}/metadata/{key}")
def delete(req: ApiRequest) -> None:
    volume_id = _owner(req, "volume:delete_volume_metadata")
    req.svc.ops.delete_metadata_item(volume_id, None, req.params["key"])
