"""Bodies of the allocation requests, which change shape with the microversion.

PUT /allocations/{consumer_uuid} sends a list of providers before 1.12 and a dict after; 1.8
adds the owner, 1.28 the consumer generation, 1.38 the consumer type. POST /allocations (1.13+)
sends many consumers at once.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import versioned
from nimbus.placement.schemas import (
    MAX_INT,
    RC_PATTERN,
    UUID,
    UUID_PATTERN,
)
from nimbus.placement.schemas.inventories import ALL_INVENTORIES

_RESOURCES = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {RC_PATTERN: {"type": "integer", "minimum": 1, "maximum": MAX_INT}},
    "additionalProperties": False,
}
_ID = {"type": "string", "minLength": 1, "maxLength": 255}
_CONSUMER_TYPE = {"type": "string", "pattern": r"^[A-Z0-9_]+$", "minLength": 1,
                  "maxLength": 255}
# 1.34: which providers satisfied which request group, as the candidate said; not stored.
_MAPPINGS = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {r"^[a-zA-Z0-9_-]{1,64}$": {
        "type": "array", "minItems": 1, "items": UUID}},
}

_LIST_FORM = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "resource_provider": {
                "type": "object", "properties": {"uuid": UUID}, "required": ["uuid"],
                "additionalProperties": False,
            },
            "resources": _RESOURCES,
        },
        "required": ["resource_provider", "resources"],
        "additionalProperties": False,
    },
}


def _dict_form(min_providers: int) -> dict[str, Any]:
    return {
        "type": "object",
        "minProperties": min_providers,
        "patternProperties": {UUID_PATTERN: {
            "type": "object",
            "properties": {"resources": _RESOURCES, "generation": {"type": "integer"}},
            "required": ["resources"],
            "additionalProperties": False,
        }},
        "additionalProperties": False,
    }


def _consumer_body(version: tuple[int, int], dict_form: bool,
                   min_providers: int) -> dict[str, Any]:
    props: dict[str, Any] = {
        "allocations": _dict_form(min_providers) if dict_form else _LIST_FORM,
    }
    required = ["allocations"]
    if version >= (1, 8):
        props.update(project_id=_ID, user_id=_ID)
        required += ["project_id", "user_id"]
    if version >= (1, 28):
        props["consumer_generation"] = {"type": ["integer", "null"]}
        required.append("consumer_generation")
    if version >= (1, 34):
        props["mappings"] = _MAPPINGS
    if version >= (1, 38):
        props["consumer_type"] = _CONSUMER_TYPE
        required.append("consumer_type")
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False}


def _put_body(version: tuple[int, int]) -> dict[str, Any]:
    """PUT /allocations/{consumer_uuid}: a list of providers before 1.12, a dict after; from
    1.28 an empty dict removes what the consumer holds."""
    return _consumer_body(version, version >= (1, 12), 0 if version >= (1, 28) else 1)


def _post_body(version: tuple[int, int], min_consumers: int = 1) -> dict[str, Any]:
    """POST /allocations (1.13+): many consumers at once; an empty dict removes a consumer's."""
    return {
        "type": "object",
        "minProperties": min_consumers,
        "patternProperties": {UUID_PATTERN: _consumer_body(version, True, 0)},
        "additionalProperties": False,
    }


# The microversions at which each body changes shape.
_PUT_SINCE = ((1, 0), (1, 8), (1, 12), (1, 28), (1, 34), (1, 38))
_POST_SINCE = ((1, 13), (1, 28), (1, 34), (1, 38))
_RESHAPE_SINCE = ((1, 30), (1, 34), (1, 38))


def _reshape_body(version: tuple[int, int]) -> dict[str, Any]:
    """POST /reshaper (1.30+): whole inventories of some providers, and whole allocations of
    some consumers (possibly none), written at once."""
    return {
        "type": "object",
        "properties": {
            "inventories": {
                "type": "object",
                "minProperties": 1,
                "patternProperties": {UUID_PATTERN: ALL_INVENTORIES},
                "additionalProperties": False,
            },
            "allocations": _post_body(version, 0),
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": False,
    }


PUT = versioned(*((f"{a}.{b}", _put_body((a, b))) for a, b in _PUT_SINCE))
POST = versioned(*((f"{a}.{b}", _post_body((a, b))) for a, b in _POST_SINCE))
RESHAPE = versioned(*((f"{a}.{b}", _reshape_body((a, b))) for a, b in _RESHAPE_SINCE))

ALL = [schema for _since, schema in PUT.schemas + POST.schemas + RESHAPE.schemas]
