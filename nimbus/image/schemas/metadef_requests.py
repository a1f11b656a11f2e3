"""What the metadata-definition routes accept: request body and query schemas."""

from __future__ import annotations

from typing import Any

from nimbus.core.api import validation
from nimbus.core.api.paging import PAGING_QUERY
from nimbus.image.db.metadefs import SORT_KEYS

Schema = dict[str, Any]
_TEXT: Schema = {"type": ["string", "null"]}
_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 255}
_NAMED: Schema = {"type": "object", "required": ["name"], "properties": {"name": _NAME}}

_ASSOCIATION: Schema = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 80},
    "prefix": {"type": ["string", "null"], "maxLength": 80},
    "properties_target": {"type": ["string", "null"], "maxLength": 100},
}}
_OBJECT_FIELDS: dict[str, Schema] = {
    "description": _TEXT,
    "required": {"type": "array", "items": {"type": "string"}},
    "properties": {"type": "object", "additionalProperties": {"type": "object"}},
}
_PROPERTY_FIELDS: dict[str, Schema] = {"title": {"type": "string"}, "type": {"type": "string"}}

_NAMESPACE_FIELDS: dict[str, Schema] = {
    "namespace": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": r"\S"},
    "display_name": _TEXT,
    "description": _TEXT,
    "visibility": {"type": "string", "enum": ["public", "private"]},
    "protected": {"type": "boolean"},
    "owner": {"type": ["string", "null"], "maxLength": 255},
}
UPDATE_NAMESPACE: Schema = {"type": "object", "properties": _NAMESPACE_FIELDS}
CREATE_NAMESPACE: Schema = {
    "type": "object",
    "required": ["namespace"],
    "properties": {
        **_NAMESPACE_FIELDS,
        "resource_type_associations": {"type": ["array", "null"], "items": _ASSOCIATION},
        "objects": {"type": ["array", "null"], "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": _NAME, **_OBJECT_FIELDS}}},
        "tags": {"type": ["array", "null"], "items": _NAMED},
        "properties": {"type": ["object", "null"], "additionalProperties": {
            "type": "object", "properties": _PROPERTY_FIELDS}},
    },
}
NAMESPACE_LIST_QUERY = validation.query({
    **PAGING_QUERY,
    "sort_key": {"type": "string", "enum": list(SORT_KEYS)},
    "sort_dir": {"type": "string", "enum": ["asc", "desc"]},
    "visibility": {"type": "string", "maxLength": 32},
    "resource_types": {"type": "string", "maxLength": 1024},
})

ASSOCIATION = _ASSOCIATION
OBJECT: Schema = {"type": "object", "required": ["name"],
                  "properties": {"name": _NAME, **_OBJECT_FIELDS}}
CREATE_PROPERTY: Schema = {"type": "object", "required": ["name", "title", "type"],
                           "properties": {"name": _NAME, **_PROPERTY_FIELDS}}
UPDATE_PROPERTY: Schema = {"type": "object", "required": ["name"],
                           "properties": {"name": _NAME, **_PROPERTY_FIELDS}}
TAG = _NAMED
TAGS: Schema = {"type": "object", "required": ["tags"],
                "properties": {"tags": {"type": "array", "items": _NAMED}}}
