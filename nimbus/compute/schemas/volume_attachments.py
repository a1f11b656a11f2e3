"""Volume attachment requests and the attachment view, by microversion."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.models import VolumeAttachment
from nimbus.compute.schemas.common import BOOLEAN, QUERY_INTEGER, AtLeast, body_of, with_properties
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

_ATTACH: Schema = {
    "type": "object",
    "properties": {
        "volumeId": {"type": "string", "minLength": 1, "maxLength": 255},
        # A hint: a taken or missing name gets the next free one.
        "device": {"type": ["string", "null"], "maxLength": 255, "pattern": "^/dev/"},
    },
    "required": ["volumeId"],
    "additionalProperties": False,
}
_ATTACH_249 = with_properties(_ATTACH, tag={"type": ["string", "null"], "maxLength": 60})
_ATTACH_279 = with_properties(_ATTACH_249, delete_on_termination=BOOLEAN)

CREATE = validation.versioned(
    ("2.1", body_of("volumeAttachment", _ATTACH)),
    ("2.49", body_of("volumeAttachment", _ATTACH_249)),
    ("2.79", body_of("volumeAttachment", _ATTACH_279)),
)
# Nova pages this list by offset, not by marker.
LIST_QUERY = validation.query({"limit": QUERY_INTEGER, "offset": QUERY_INTEGER})


def view(at_least: AtLeast, bdm: VolumeAttachment) -> dict[str, Any]:
    body: dict[str, Any] = {"device": bdm.device_name, "serverId": bdm.instance_uuid,
                            "volumeId": bdm.volume_id}
    if not at_least("2.89"):
        body["id"] = bdm.volume_id
    if at_least("2.70"):
        body["tag"] = bdm.tag
    if at_least("2.79"):
        body["delete_on_termination"] = bool(bdm.delete_on_termination)
    if at_least("2.89"):
        body["attachment_id"] = bdm.attachment_id
        body["bdm_uuid"] = bdm.id
    return body
