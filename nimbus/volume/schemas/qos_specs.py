"""QoS specs requests and views (Cinder's ``qos-specs``)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.volume.schemas.common import PAGING, QUERY_BOOLEAN, QUERY_STRING, resource_links

_KEY: Schema = {"type": "string", "minLength": 1, "maxLength": 255}
# Spec values are strings (Cinder checks each one's length); null is let through as Cinder does.
_VALUE: Schema = {"type": ["string", "null"], "maxLength": 255}
_CONSUMER: Schema = {"type": "string", "enum": ["front-end", "back-end", "both"]}

CREATE: Schema = {
    "type": "object",
    "properties": {
        "qos_specs": {
            "type": "object",
            "properties": {
                # Cinder's name: 1-255 characters, not only blanks.
                "name": {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": r"\S"},
                # None, as no consumer at all, is the back end (Cinder's default).
                "consumer": {"anyOf": [_CONSUMER, {"type": "null"}]},
            },
            "propertyNames": _KEY,
            "additionalProperties": _VALUE,
            "required": ["name"],
        },
    },
    "required": ["qos_specs"],
    "additionalProperties": False,
}

SET_KEYS: Schema = {
    "type": "object",
    "properties": {
        "qos_specs": {
            "type": "object",
            "properties": {"consumer": _CONSUMER},
            "propertyNames": _KEY,
            "additionalProperties": _VALUE,
        },
    },
    "required": ["qos_specs"],
    "additionalProperties": False,
}

DELETE_KEYS: Schema = {
    "type": "object",
    "properties": {"keys": {"type": "array", "items": _KEY, "uniqueItems": True}},
    "required": ["keys"],
    "additionalProperties": False,
}

LIST_QUERY: Schema = query({**PAGING, "id": QUERY_STRING, "name": QUERY_STRING,
                            "consumer": QUERY_STRING})
DELETE_QUERY: Schema = query({"force": QUERY_BOOLEAN})
# ``associate`` and ``disassociate`` name the type in the query; a missing one is Cinder's 400.
TYPE_QUERY: Schema = query({"vol_type_id": {"type": "string", "maxLength": 255}})


def view(qos: dict[str, Any]) -> dict[str, Any]:
    return {"id": qos["id"], "name": qos["name"], "consumer": qos["consumer"],
            "specs": dict(qos["specs"])}


def detail(qos: dict[str, Any], base: str, project_id: str) -> dict[str, Any]:
    """One spec with its links (show and create)."""
    return {"qos_specs": view(qos), "links": resource_links(base, project_id, "qos-specs",
                                                             qos["id"])}
