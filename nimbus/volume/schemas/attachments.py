"""Attachment requests and responses (attachments API 3.27+ and the legacy actions)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import CONNECTOR, PAGING, QUERY_BOOLEAN, QUERY_STRING

CREATE: Schema = {
    "type": "object",
    "properties": {
        "attachment": {
            "type": "object",
            "properties": {
                "volume_uuid": {"type": "string", "minLength": 1, "maxLength": 36},
                # An older spelling some clients send.
                "volume_id": {"type": "string", "minLength": 1, "maxLength": 36},
                "instance_uuid": {"type": "string", "minLength": 1, "maxLength": 36},
                "connector": CONNECTOR,
                "mode": {"type": ["string", "null"], "enum": ["rw", "ro", None]},
            },
            "required": ["instance_uuid"],
            "if": {"required": ["volume_id"]},
            "else": {"required": ["volume_uuid"]},
        },
    },
    "required": ["attachment"],
}

UPDATE: Schema = {
    "type": "object",
    "properties": {
        "attachment": {
            "type": "object",
            "properties": {"connector": {"type": "object", "minProperties": 1}},
            "required": ["connector"],
        },
    },
    "required": ["attachment"],
}


# ``os-complete`` (3.44) is the only action on an attachment.
ACTION: Schema = {
    "type": "object",
    "properties": {"os-complete": {}},
    "required": ["os-complete"],
    "additionalProperties": False,
}

LIST_QUERY: Schema = query({
    **PAGING,
    "all_tenants": QUERY_BOOLEAN,
    "volume_id": QUERY_STRING,
    "instance_id": QUERY_STRING,
    "status": QUERY_STRING,
    "attach_status": QUERY_STRING,
})


def summary(att: dict[str, Any]) -> dict[str, Any]:
    return {"id": att["id"], "status": att["attach_status"], "instance": att["instance_uuid"],
            "volume_id": att["volume_id"]}


def detail(att: dict[str, Any]) -> dict[str, Any]:
    return {
        **summary(att),
        "attached_at": iso_micro(att["attach_time"]) or "",
        "detached_at": iso_micro(att["detach_time"]) or "",
        "attach_mode": att["attach_mode"],
        "connection_info": att["connection_info"] or {},
    }
