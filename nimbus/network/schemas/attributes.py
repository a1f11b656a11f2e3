"""Neutron's resource attribute maps, as JSON Schemas (draft 2020-12).

Each resource declares its attributes once (``Attr``): the schema of a value, whether POST and
PUT may set it, whether POST must, and how the value is normalised after it passed the schema
(Neutron converts some values rather than rejecting them: ``"true"`` for a boolean, ``"64"`` for
an integer, a MAC in capitals). ``create_body`` and ``update_body`` build the request schemas
the routes declare; ``convert.attributes`` applies the normalisation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nimbus.core.api.validation import Schema

Converter = Callable[[str, Any], Any]

UUID_TEXT = (r"^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
             r"[0-9a-fA-F]{12}\}?$")
MAC_TEXT = r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$"
BOOL_TEXT = r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[01])$"
INT_TEXT = r"^\s*[-+]?[0-9]+\s*$"
ID_OR_EMPTY_TEXT = f"^$|{UUID_TEXT}"
# A boolean given as a number is bounded exclusively, which no integer attribute is: its
# failures read "... than or equal to the ..." and can be told apart (see ``wording``).
BOOL_BOUNDS = ("than or equal to the maximum of 2", "than or equal to the minimum of -1")

# ``{"not": ...}`` keeps the attribute's name in the failure (a ``false`` schema would not);
# the title says why it is refused (see ``wording``).
READ_ONLY: Schema = {"not": {"title": "read-only"}}
NOT_IN_POST: Schema = {"not": {"title": "not allowed in POST"}}


def _types(kind: str | list[str], nullable: bool) -> str | list[str]:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return [*kinds, "null"] if nullable else (kinds[0] if len(kinds) == 1 else kinds)


def string(max_length: int = 255, nullable: bool = False) -> Schema:
    return {"type": _types("string", nullable), "maxLength": max_length}


def uuid(nullable: bool = False) -> Schema:
    return {"type": _types("string", nullable), "pattern": UUID_TEXT}


def mac() -> Schema:
    return {"type": "string", "pattern": MAC_TEXT}


def boolean() -> Schema:
    """A boolean, 0 or 1, or "true"/"false"/"1"/"0" in any case."""
    return {"type": ["boolean", "integer", "string"], "exclusiveMinimum": -1,
            "exclusiveMaximum": 2, "pattern": BOOL_TEXT}


def integer(minimum: int | None = None, maximum: int | None = None,
            nullable: bool = False) -> Schema:
    """An integer, or a string of digits (whose range ``convert`` checks)."""
    schema: Schema = {"type": _types(["integer", "string"], nullable), "pattern": INT_TEXT}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def one_of(*values: Any, nullable: bool = False) -> Schema:
    return {"enum": [*values, None] if nullable else list(values)}


def array(items: Schema, unique: bool = False, nullable: bool = False) -> Schema:
    schema: Schema = {"type": _types("array", nullable), "items": items}
    if unique:
        schema["uniqueItems"] = True
    return schema


def obj(properties: Mapping[str, Schema], required: tuple[str, ...] = (),
        nullable: bool = False) -> Schema:
    schema: Schema = {"type": _types("object", nullable), "properties": dict(properties),
                      "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


@dataclass(frozen=True)
class Attr:
    """One attribute of a resource, as Neutron's attribute maps declare it."""

    schema: Schema
    convert: Converter | None = None
    post: bool = True
    put: bool = True
    required: bool = False


def _resource(attrs: Mapping[str, Attr], create: bool) -> Schema:
    properties = {}
    for name, attr in attrs.items():
        allowed = attr.post if create else attr.put
        properties[name] = attr.schema if allowed else (NOT_IN_POST if create else READ_ONLY)
    required = tuple(n for n, a in attrs.items() if a.required) if create else ()
    return obj(properties, required)


def create_body(resource: str, collection: str, attrs: Mapping[str, Attr],
                bulk: bool = True) -> Schema:
    """``{"<resource>": {...}}``, or ``{"<collection>": [{...}, ...]}`` for a bulk create."""
    one = _resource(attrs, create=True)
    if not bulk:
        return {"type": "object", "required": [resource], "properties": {resource: one}}
    return {"type": "object",
            "properties": {resource: one,
                           collection: {"type": "array", "minItems": 1, "items": one}},
            "if": {"required": [collection]}, "else": {"required": [resource]}}


def update_body(resource: str, attrs: Mapping[str, Attr]) -> Schema:
    return {"type": "object", "required": [resource],
            "properties": {resource: _resource(attrs, create=False)}}


def items_of(body: dict[str, Any], resource: str, collection: str) -> tuple[list[Any], bool]:
    """The resource objects of a create body that passed ``create_body``, and whether it was a
    bulk create."""
    if collection in body:
        return list(body[collection]), True
    return [body[resource]], False
