"""The volume and snapshot proxies (``os-volumes``, ``os-snapshots``): requests and Nova's views
of Cinder's volumes and snapshots."""

from __future__ import annotations

from typing import Any

from nimbus.compute.schemas.common import BOOLEAN, QUERY_INTEGER, body_of
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

# Nova stopped proxying these at 2.36.
MAX_VERSION = "2.35"

_CREATE_VOLUME: Schema = {
    "type": "object",
    "properties": {
        "volume_type": {"type": "string", "maxLength": 255},
        "metadata": {"type": "object", "additionalProperties": {"type": "string",
                                                                 "maxLength": 255}},
        "snapshot_id": {"type": "string", "maxLength": 255},
        # A number, or a string of digits: Cinder takes either.
        "size": {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
                 "maximum": 2**31 - 1},
        "availability_zone": {"type": "string", "maxLength": 255},
        "display_name": {"type": "string", "maxLength": 255},
        "display_description": {"type": "string", "maxLength": 255},
    },
    "required": ["size"],
    "additionalProperties": False,
}
CREATE_VOLUME = body_of("volume", _CREATE_VOLUME)

_CREATE_SNAPSHOT: Schema = {
    "type": "object",
    "properties": {
        "volume_id": {"type": "string", "maxLength": 255},
        "force": BOOLEAN,
        "display_name": {"type": "string", "maxLength": 255},
        "display_description": {"type": "string", "maxLength": 255},
    },
    "required": ["volume_id"],
    "additionalProperties": False,
}
CREATE_SNAPSHOT = body_of("snapshot", _CREATE_SNAPSHOT)

# Both lists are sliced by offset, as Nova slices what Cinder gives it.
LIST_QUERY = validation.query({"limit": QUERY_INTEGER, "offset": QUERY_INTEGER})


def volume(vol: dict[str, Any]) -> dict[str, Any]:
    """A Cinder volume in Nova's words; an unattached one has one empty attachment."""
    attachments: list[dict[str, Any]] = [{}]
    found = vol.get("attachments") or []
    if found:
        # Nova shows the first attachment only, even of a multiattach volume.
        first = found[0]
        shown = {"id": vol["id"], "volumeId": vol["id"], "serverId": first.get("server_id")}
        if first.get("device"):
            shown["device"] = first["device"]
        attachments = [shown]
    return {
        "id": vol["id"],
        "status": vol.get("status"),
        "size": vol.get("size"),
        "availabilityZone": vol.get("availability_zone"),
        "createdAt": vol.get("created_at"),
        "attachments": attachments,
        "displayName": vol.get("name"),
        "displayDescription": vol.get("description"),
        "volumeType": vol.get("volume_type"),
        "snapshotId": vol.get("snapshot_id"),
        "metadata": dict(vol.get("metadata") or {}),
    }


def snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """A Cinder snapshot in Nova's words (its size is the volume's, as Nova names it)."""
    return {
        "id": snap["id"],
        "volumeId": snap.get("volume_id"),
        "status": snap.get("status"),
        "size": snap.get("size"),
        "createdAt": snap.get("created_at"),
        "displayName": snap.get("name"),
        "displayDescription": snap.get("description"),
    }
