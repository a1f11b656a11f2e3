"""Volume encryption: encryption types (``/types/{id}/encryption``), a volume's encryption
metadata (``/volumes/{id}/encryption``), and its key for the compute service.

Nova reads a volume's key from the key manager; here the volume service keeps the keys
(``manager/keys.py``), and ``/volumes/{id}/encryption_secret`` hands one out to the compute
service alone (policy ``volume_extension:volume_encryption_secret``, the service role).
"""

from __future__ import annotations

import json
from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import NotFound
from nimbus.volume.api.common import VolumeRouter, scope
from nimbus.volume.schemas import encryption as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()
_TYPE = "volume_extension:volume_type_encryption"


@router.get("/types/{type_id}/encryption")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a volume type's encryption (``{}`` when it has none)."""
    req.enforce(f"{_TYPE}:get")
    return schema.view(req.svc.types.encryption(req.params["type_id"]))


@router.post("/types/{type_id}/encryption", body=schema.CREATE)
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Make a volume type's volumes encrypted."""
    req.enforce(f"{_TYPE}:create")
    made = req.svc.types.create_encryption(req.params["type_id"], req.json["encryption"])
    return {"encryption": schema.created(made)}


@router.get("/types/{type_id}/encryption/{key}")
def show_item(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show one field of a volume type's encryption."""
    req.enforce(f"{_TYPE}:get")
    shown = schema.view(req.svc.types.encryption(req.params["type_id"]))
    key = req.params["key"]
    if key not in shown:
        raise NotFound(f"Volume type encryption of type {req.params['type_id']} has no "
                       f"{key}.")
    return {key: shown[key]}


@router.put("/types/{type_id}/encryption/{encryption_id}", body=schema.UPDATE)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Change a volume type's encryption (while no volume has the type)."""
    req.enforce(f"{_TYPE}:update")
    spec = req.json["encryption"]
    req.svc.types.update_encryption(req.params["type_id"], spec)
    return {"encryption": spec}


@router.delete("/types/{type_id}/encryption/{encryption_id}", status=202)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Make a volume type's volumes unencrypted again (while no volume has the type)."""
    req.enforce(f"{_TYPE}:delete")
    req.svc.types.delete_encryption(req.params["type_id"])
    return Reply(None, status=202)


def _volume(req: ApiRequest[VolumeState], action: str) -> dict[str, Any]:
    vol = req.svc.volumes.get(req.params["volume_id"], scope(req))
    req.enforce(action, target={"project_id": vol["project_id"]})
    return vol


@router.get("/volumes/{volume_id}/encryption")
def volume_metadata(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a volume's encryption metadata: its key's id and its type's encryption."""
    return schema.metadata(_volume(req, "volume_extension:volume_encryption_metadata"))


@router.get("/volumes/{volume_id}/encryption/{key}")
def volume_metadata_item(req: ApiRequest[VolumeState]) -> Reply:
    """Show one item of a volume's encryption metadata (its bare value, as Cinder answers)."""
    shown = schema.metadata(_volume(req, "volume_extension:volume_encryption_metadata"))
    if req.params["key"] not in shown:
        raise NotFound(f"Volume {req.params['volume_id']} has no encryption metadata "
                       f"{req.params['key']}.")
    return Reply(json.dumps(shown[req.params["key"]]),
                 headers={"Content-Type": "application/json"})


@router.get("/volumes/{volume_id}/encryption_secret")
def secret(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """An encrypted volume's key, for the compute host that opens it."""
    vol = _volume(req, "volume_extension:volume_encryption_secret")
    key_id = vol.get("encryption_key_id")
    if not key_id:
        raise NotFound(f"Volume {vol['id']} is not encrypted.")
    return {"secret": {**schema.metadata(vol), "passphrase": req.svc.keys.passphrase(key_id)}}
