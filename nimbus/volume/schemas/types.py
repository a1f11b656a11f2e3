"""Volume type requests and responses."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.volume.schemas.common import BOOLEAN_LIKE, PAGING

_SPEC_VALUE: Schema = {"type": ["string", "null", "boolean", "number"]}
EXTRA_SPECS: Schema = {
    "type": "object",
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 255},
    "additionalProperties": _SPEC_VALUE,
}

CREATE: Schema = {
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

UPDATE: Schema = {
    "type": "object",
    "properties": {
        "volume_type": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
                "description": {"type": ["string", "null"], "maxLength": 255},
                "is_public": BOOLEAN_LIKE,
            },
            # Cinder: "Specify volume type name, description, is_public or a combination
            # thereof."
            "anyOf": [{"required": ["name"]}, {"required": ["description"]},
                      {"required": ["is_public"]}],
        },
    },
    "required": ["volume_type"],
}

EXTRA_SPECS_BODY: Schema = {
    "type": "object",
    "properties": {"extra_specs": EXTRA_SPECS},
    "required": ["extra_specs"],
}

# ``PUT /types/{id}/extra_specs/{key}``: ``{key: value}`` (the key must match the URL's).
EXTRA_SPEC_ITEM: Schema = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 255},
    "additionalProperties": _SPEC_VALUE,
}

# ``is_public``: "true", "false" or "none" (both), for admins; others see public types only.
LIST_QUERY: Schema = query({**PAGING, "is_public": {"type": "string", "maxLength": 16}})


def view(vtype: dict[str, Any], show_specs: bool, show_qos: bool = True,
         show_access: bool = True) -> dict[str, Any]:
    """A type as Cinder shows it; the QoS specs id and the access extension's field only to
    callers their policies let see them."""
    body = {
        "id": vtype["id"],
        "name": vtype["name"],
        "description": vtype["description"],
        "is_public": vtype["is_public"],
        "os-volume-type-access:is_public": vtype["is_public"],
        "extra_specs": {k: str(v) for k, v in vtype["extra_specs"].items()} if show_specs else {},
        "qos_specs_id": vtype.get("qos_specs_id"),
    }
    if not show_qos:
        body.pop("qos_specs_id")
    if not show_access:
        body.pop("os-volume-type-access:is_public")
    return body
