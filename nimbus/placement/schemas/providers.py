"""Bodies of the resource provider, resource class, trait and aggregate requests."""

from __future__ import annotations

from nimbus.core.api import validation
from nimbus.core.api.validation import Schema
from nimbus.placement.schemas import (
    CUSTOM_RC_PATTERN,
    GENERATION,
    TRAIT_PATTERN,
    UUID,
)

_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 200}
_PARENT: Schema = {"anyOf": [UUID, {"type": "null"}]}


def _provider(nested: bool, with_uuid: bool) -> Schema:
    props: Schema = {"name": _NAME}
    if with_uuid:
        props["uuid"] = UUID
    if nested:
        props["parent_provider_uuid"] = _PARENT
    return {"type": "object", "properties": props, "required": ["name"],
            "additionalProperties": False}


# POST /resource_providers and PUT /resource_providers/{uuid}: 1.14 adds the parent.
CREATE = validation.versioned(("1.0", _provider(False, True)), ("1.14", _provider(True, True)))
UPDATE = validation.versioned(("1.0", _provider(False, False)), ("1.14", _provider(True, False)))

RESOURCE_CLASS: Schema = {
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": CUSTOM_RC_PATTERN, "maxLength": 255}},
    "required": ["name"],
    "additionalProperties": False,
}
# PUT /resource_classes/{name}: a rename before 1.7; from 1.7 it takes no body (and ignores one).
RESOURCE_CLASS_PUT = validation.versioned(("1.2", RESOURCE_CLASS), ("1.7", {}))

PROVIDER_TRAITS: Schema = {
    "type": "object",
    "properties": {
        "traits": {"type": "array",
                   "items": {"type": "string", "pattern": TRAIT_PATTERN, "maxLength": 255}},
        "resource_provider_generation": GENERATION,
    },
    "required": ["traits", "resource_provider_generation"],
    "additionalProperties": False,
}

_AGGREGATE_LIST: Schema = {"type": "array", "items": UUID, "uniqueItems": True}

AGGREGATES_LEGACY = _AGGREGATE_LIST

AGGREGATES: Schema = {
    "type": "object",
    "properties": {"aggregates": _AGGREGATE_LIST, "resource_provider_generation": GENERATION},
    "required": ["aggregates", "resource_provider_generation"],
    "additionalProperties": False,
}
# PUT /resource_providers/{uuid}/aggregates: a bare list before 1.19, then with the generation.
AGGREGATES_PUT = validation.versioned(("1.1", AGGREGATES_LEGACY), ("1.19", AGGREGATES))

ALL = [schema for versions in (CREATE, UPDATE) for _since, schema in versions.schemas] + [
    RESOURCE_CLASS, PROVIDER_TRAITS, AGGREGATES_LEGACY, AGGREGATES]
