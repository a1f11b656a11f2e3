"""Bodies of the resource provider, resource class, trait and aggregate requests."""

from __future__ import annotations

from typing import Any

from nimbus.placement.schemas import (
    CUSTOM_RC_PATTERN,
    GENERATION,
    TRAIT_PATTERN,
    UUID,
)

_NAME = {"type": "string", "minLength": 1, "maxLength": 200}


def provider_create(nested: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"name": _NAME, "uuid": UUID}
    if nested:
        props["parent_provider_uuid"] = {"anyOf": [UUID, {"type": "null"}]}
    return {"type": "object", "properties": props, "required": ["name"],
            "additionalProperties": False}


def provider_update(nested: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"name": _NAME}
    if nested:
        props["parent_provider_uuid"] = {"anyOf": [UUID, {"type": "null"}]}
    return {"type": "object", "properties": props, "required": ["name"],
            "additionalProperties": False}


RESOURCE_CLASS = {
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": CUSTOM_RC_PATTERN, "maxLength": 255}},
    "required": ["name"],
    "additionalProperties": False,
}

PROVIDER_TRAITS = {
    "type": "object",
    "properties": {
        "traits": {"type": "array",
                   "items": {"type": "string", "pattern": TRAIT_PATTERN, "maxLength": 255}},
        "resource_provider_generation": GENERATION,
    },
    "required": ["traits", "resource_provider_generation"],
    "additionalProperties": False,
}

_AGGREGATE_LIST = {"type": "array", "items": UUID, "uniqueItems": True}

AGGREGATES_LEGACY = _AGGREGATE_LIST

AGGREGATES = {
    "type": "object",
    "properties": {"aggregates": _AGGREGATE_LIST, "resource_provider_generation": GENERATION},
    "required": ["aggregates", "resource_provider_generation"],
    "additionalProperties": False,
}

ALL = [provider_create(False), provider_create(True), provider_update(False),
       provider_update(True), RESOURCE_CLASS, PROVIDER_TRAITS, AGGREGATES_LEGACY, AGGREGATES]
