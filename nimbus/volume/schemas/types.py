"""Volume type requests and responses."""

from __future__ import annotations

from typing import Any

from nimbus.volume.schemas.common import BOOLEAN_LIKE

EXTRA_SPECS = {
    "type": "object",
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 255},
    "additionalProperties": {"type": ["string", "null", "boolean", "number"]},
}

CREATE = {
    "type": "object",
    "properties": {
        "volume_type": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": {"type": ["string", "null"], "maxLength": 255},
                "os-volume-type-access:is_public": BOOLEAN_LIKE,
                "is_public": BOOLEAN_LIKE,
                "extra_specs": EXTRA_SPECS,
            },
            "required": ["name"],
        },
    },
    "required": ["volume_type"],
}

UPDATE = {
    "type": "object",
    "properties": {
        "volume_type": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
                "description": {"type": ["string", "null"], "maxLength": 255},
                "is_public": BOOLEAN_LIKE,
            },
        },
    },
    "required": ["volume_type"],
}

EXTRA_SPECS_BODY = {
    "type": "object",
    "properties": {"extra_specs": EXTRA_SPECS},
    "required": ["extra_specs"],
}


def view(vtype: dict[str, Any], show_specs: bool) -> dict[str, Any]:
    return {
        "id": vtype["id"],
        "name": vtype["name"],
        "description": vtype["description"],
        "is_public": vtype["is_public"],
        "os-volume-type-access:is_public": vtype["is_public"],
        "extra_specs": {k: str(v) for k, v in vtype["extra_specs"].items()} if show_specs else {},
        "qos_specs_id": None,
    }
