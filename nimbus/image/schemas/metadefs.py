"""Metadata-definition wire shapes: views, and the schemas at ``/v2/schemas/metadefs/*``."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import iso

BASE = "/v2/metadefs/namespaces"
PROPERTY_KEYS = ("title", "description", "type", "enum", "default", "minimum", "maximum",
                 "minLength", "maxLength", "pattern", "items", "readonly", "operators",
                 "uniqueItems", "minItems", "maxItems", "additionalItems")
OBJECT_KEYS = ("description", "required", "properties")
ASSOCIATION_KEYS = ("prefix", "properties_target")


def _times(item: dict[str, Any]) -> dict[str, Any]:
    return {"created_at": iso(item["created_at"]), "updated_at": iso(item["updated_at"])}


def obj(ns: str, item: dict[str, Any]) -> dict[str, Any]:
    body = item["body"]
    return {"name": item["name"], "description": body.get("description"),
            "required": body.get("required", []), "properties": body.get("properties", {}),
            **_times(item), "self": f"{BASE}/{ns}/objects/{item['name']}",
            "schema": "/v2/schemas/metadefs/object"}


def prop(item: dict[str, Any]) -> dict[str, Any]:
    return {"name": item["name"], **item["body"]}


def tag(item: dict[str, Any]) -> dict[str, Any]:
    return {"name": item["name"], **_times(item)}


def association(item: dict[str, Any]) -> dict[str, Any]:
    return {"name": item["name"], **item["body"], **_times(item)}


def namespace(ns: dict[str, Any], full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "namespace": ns["namespace"], "visibility": ns["visibility"],
        "protected": ns["protected"], "owner": ns["owner"], **_times(ns),
        "self": f"{BASE}/{ns['namespace']}", "schema": "/v2/schemas/metadefs/namespace"}
    for key in ("display_name", "description"):
        if ns.get(key) is not None:
            out[key] = ns[key]
    if full:
        if ns.get("resource_type"):
            out["resource_type_associations"] = [association(i) for i in ns["resource_type"]]
        if ns.get("property"):
            out["properties"] = {i["name"]: {k: v for k, v in prop(i).items() if k != "name"}
                                 for i in ns["property"]}
        if ns.get("object"):
            out["objects"] = [{k: v for k, v in obj(ns["namespace"], i).items()
                               if k not in ("self", "schema")} for i in ns["object"]]
        if ns.get("tag"):
            out["tags"] = [{"name": i["name"]} for i in ns["tag"]]
    return out


def picked(body: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: body[k] for k in keys if k in body}


_STR = {"type": "string"}
_TIME = {"type": "string", "format": "date-time", "readOnly": True}
_PROPERTY_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 255}, "title": _STR, "description": _STR,
    "type": {"type": "string", "enum": ["array", "boolean", "integer", "number", "object",
                                        "string", None]},
    "enum": {"type": "array"}, "default": {}, "readonly": {"type": "boolean"},
    "operators": {"type": "array", "items": _STR}}
_PROPERTY = {"type": "object", "properties": _PROPERTY_FIELDS, "required": ["title", "type"]}
_ASSOCIATION = {
    "name": {"type": "string", "maxLength": 80},
    "prefix": {"type": "string", "maxLength": 80},
    "properties_target": {"type": "string", "maxLength": 100},
    "created_at": _TIME, "updated_at": _TIME}

ITEMS: dict[str, tuple[str, dict[str, Any], list[str]]] = {
    "namespace": ("namespace", {
        "namespace": {"type": "string", "maxLength": 80}, "display_name": _STR,
        "description": _STR, "visibility": {"type": "string", "enum": ["public", "private"]},
        "protected": {"type": "boolean"}, "owner": _STR, "created_at": _TIME,
        "updated_at": _TIME, "schema": {"type": "string", "readOnly": True},
        "self": {"type": "string", "readOnly": True},
        "resource_type_associations": {"type": "array",
                                       "items": {"type": "object",
                                                 "properties": _ASSOCIATION}},
        "properties": {"type": "object", "additionalProperties": _PROPERTY},
        "objects": {"type": "array"}, "tags": {"type": "array"}}, ["namespace"]),
    "resource_type": ("resource_type_association", _ASSOCIATION, ["name"]),
    "object": ("object", {
        "name": {"type": "string", "maxLength": 255}, "description": _STR,
        "required": {"type": "array", "items": _STR},
        "properties": {"type": "object", "additionalProperties": _PROPERTY},
        "created_at": _TIME, "updated_at": _TIME,
        "schema": {"type": "string", "readOnly": True},
        "self": {"type": "string", "readOnly": True}}, ["name"]),
    "property": ("property", dict(_PROPERTY_FIELDS), ["name", "title", "type"]),
    "tag": ("tag", {"name": {"type": "string", "maxLength": 255}, "created_at": _TIME,
                    "updated_at": _TIME}, ["name"]),
}
COLLECTIONS = {"namespaces": "namespace", "resource_types": "resource_type",
               "objects": "object", "properties": "property", "tags": "tag"}


def schema(name: str) -> dict[str, Any] | None:
    """``/v2/schemas/metadefs/{name}``, or None for an unknown name."""
    if name in ITEMS:
        title, props, required = ITEMS[name]
        return {"name": title, "properties": props, "required": required,
                "additionalProperties": name != "tag",
                "links": [{"rel": "self", "href": "{self}"},
                          {"rel": "describedby", "href": "{schema}"}]}
    if name in COLLECTIONS:
        single = schema(COLLECTIONS[name])
        assert single is not None
        title = "resource_type_associations" if name == "resource_types" else name
        key = title if name != "resource_types" else "resource_type_associations"
        return {"name": title, "properties": {
            key: {"type": "array", "items": single}, "first": _STR, "next": _STR,
            "schema": _STR}, "links": [{"rel": "first", "href": "{first}"},
                                       {"rel": "next", "href": "{next}"},
                                       {"rel": "describedby", "href": "{schema}"}]}
    return None
