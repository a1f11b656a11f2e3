"""Private volume types' access (``os-volume-type-access``) and project default types (3.62)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema

_PROJECT: Schema = {
    "type": "object",
    "properties": {"project": {"type": "string", "minLength": 1, "maxLength": 255}},
    "required": ["project"],
    "additionalProperties": False,
}

# ``POST /types/{id}/action``: exactly one of the two actions.
ACTION: Schema = {
    "type": "object",
    "properties": {"addProjectAccess": _PROJECT, "removeProjectAccess": _PROJECT},
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}

DEFAULT_TYPE: Schema = {
    "type": "object",
    "properties": {
        "default_type": {
            "type": "object",
            "properties": {"volume_type": {"type": "string", "minLength": 1,
                                           "maxLength": 255}},
            "required": ["volume_type"],
            "additionalProperties": False,
        },
    },
    "required": ["default_type"],
}



def default_view(default: dict[str, Any]) -> dict[str, Any]:
    return {"project_id": default["project_id"], "volume_type_id": default["volume_type_id"]}
