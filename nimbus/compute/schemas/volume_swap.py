"""``PUT /servers/{id}/os-volume_attachments/{volume_id}`` (swap a volume, or from 2.85 update
the attachment) and ``os-assisted-volume-snapshots``: their requests."""

from __future__ import annotations

from nimbus.compute.schemas.common import BOOLEAN, TAG, body_of
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 255}

# Before 2.85 the body names only the volume to swap to.
_SWAP: Schema = {
    "type": "object",
    "properties": {"volumeId": _ID},
    "required": ["volumeId"],
    "additionalProperties": False,
}
# From 2.85 it may repeat the whole attachment, as shown; only ``volumeId`` (a swap) and
# ``delete_on_termination`` may differ from what the attachment has.
_UPDATE_285: Schema = {
    "type": "object",
    "properties": {
        "volumeId": _ID,
        "device": {"type": ["string", "null"], "maxLength": 255, "pattern": "^/dev/"},
        "tag": TAG,
        "delete_on_termination": BOOLEAN,
        "serverId": _ID,
        "id": _ID,
    },
    "required": ["volumeId"],
    "additionalProperties": False,
}
UPDATE = validation.versioned(
    ("2.1", body_of("volumeAttachment", _SWAP)),
    ("2.85", body_of("volumeAttachment", _UPDATE_285)),
)

_CREATE_INFO: Schema = {
    "type": "object",
    "properties": {
        "snapshot_id": _ID,
        "type": {"type": "string", "enum": ["qcow2"]},
        "new_file": _ID,
        "id": _ID,
    },
    "required": ["snapshot_id", "type", "new_file"],
    "additionalProperties": False,
}
ASSISTED_CREATE = body_of("snapshot", {
    "type": "object",
    "properties": {"volume_id": _ID, "create_info": _CREATE_INFO},
    "required": ["volume_id", "create_info"],
    "additionalProperties": False,
})
# ``delete_info``: JSON text naming at least the volume (``{"volume_id": ...}``).
ASSISTED_DELETE_QUERY = validation.query({"delete_info": {"type": "string",
                                                          "maxLength": 65535}})
