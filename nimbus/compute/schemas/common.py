"""JSON Schema pieces the compute request schemas share, after Nova's ``parameter_types``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.compute.errors import invalid_field
from nimbus.core.api.validation import Schema

# The largest value an integer column holds on every database.
MAX_INT = 2**31 - 1

# Nova's boolean: JSON booleans and the strings oslo's bool_from_string understands.
TRUE_STRINGS = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
FALSE_STRINGS = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")
BOOLEAN: Schema = {"type": ["boolean", "string"],
                   "enum": [True, *TRUE_STRINGS, False, *FALSE_STRINGS]}


def as_bool(value: Any) -> bool:
    """A value ``BOOLEAN`` accepted, as a bool."""
    if isinstance(value, str):
        return value.lower() in ("true", "1", "on", "yes")
    return bool(value)


# A name: 1 to 255 characters, not starting or ending with whitespace. The lookahead keeps a
# trailing newline out, which ``$`` alone would let through.
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 255,
                "pattern": r"^\S(?:[\s\S]*\S)?(?!\n)$"}
# Any string up to 255 characters, or null.
NULLABLE_STRING: Schema = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION: Schema = {"type": ["string", "null"], "maxLength": 255}
# Positive and non-negative integers, as numbers or strings of digits.
POSITIVE_INTEGER: Schema = {"type": ["integer", "string"], "pattern": "^[0-9]*[1-9][0-9]*$",
                            "minimum": 1, "maximum": MAX_INT}
NON_NEGATIVE_INTEGER: Schema = {"type": ["integer", "string"], "pattern": "^[0-9]+$",
                                "minimum": 0, "maximum": MAX_INT}
# A non-negative integer in a query (where a bigger one could not be compared in SQL).
QUERY_INTEGER: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_INT}


def bounded_int(field: str, value: Any, minimum: int = 0) -> int:
    """A number or digit string the schema accepted, as an int within the columns' range: a
    schema bounds numbers, but not the value a string of digits spells."""
    number = int(value)
    if not minimum <= number <= MAX_INT:
        raise invalid_field(field, value, f"{value!r} is not between {minimum} and {MAX_INT}")
    return number

# Metadata: string keys of 1 to 255 characters, string values of at most 255.
METADATA: Schema = {"type": "object",
                    "propertyNames": {"minLength": 1, "maxLength": 255},
                    "additionalProperties": {"type": "string", "maxLength": 255}}

TAG: Schema = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/\\x00]*$"}
MAX_TAGS = 50
TAGS: Schema = {"type": "array", "items": TAG, "maxItems": MAX_TAGS}

# A comma-separated list of tags in a query (``tags=a,b``).
TAG_LIST_QUERY: Schema = {"type": "string", "maxLength": 4096}


# No NUL: PostgreSQL stores none and refuses one in any query, even in a comparison.
NO_NUL = "^[^\\x00]*$"


def without_nul(schema: Schema) -> Schema:
    """``schema`` with every string it accepts (properties and items too) refusing NUL: for
    query parameters, which reach SQL filters and markers without a body's checks."""
    out = dict(schema)
    kinds = out.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if "string" in kinds and "enum" not in out:
        if "pattern" in out:
            out["not"] = {"type": "string", "pattern": "\\x00"}
        else:
            out["pattern"] = NO_NUL
    if isinstance(out.get("items"), dict):
        out["items"] = without_nul(out["items"])
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: without_nul(sub) for name, sub in out["properties"].items()}
    return out


def body_of(key: str, inner: Schema, *, required: bool = True) -> Schema:
    """``{"<key>": inner}``: the envelope every compute request body comes in; other top-level
    members are ignored, as before."""
    return {"type": "object", "properties": {key: inner},
            "required": [key] if required else []}


def with_properties(base: Schema, **extra: Schema) -> Schema:
    """``base`` (an object schema) with more properties allowed."""
    return {**base, "properties": {**base.get("properties", {}), **extra}}


def with_required(base: Schema, *names: str) -> Schema:
    return {**base, "required": [*base.get("required", []), *names]}

# ``req.at_least``: whether the request's microversion is at least the one given.
AtLeast = Callable[[str], bool]


def links(base_url: str, kind: str, ident: str) -> list[dict[str, str]]:
    """A resource's ``self`` and ``bookmark`` links."""
    return [{"rel": "self", "href": f"{base_url}/v2.1/{kind}/{ident}"},
            {"rel": "bookmark", "href": f"{base_url}/{kind}/{ident}"}]
