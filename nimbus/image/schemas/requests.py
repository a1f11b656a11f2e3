"""What the image routes accept: the JSON Schemas their bodies and queries are checked against
(before the handler runs), and the few readings that need more than a schema: which keys a
client may set (403 for the others, as Glance answers), the JSON-patch document as a list of
changes, and the list query as filters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nimbus.core.api import validation
from nimbus.core.api.paging import PAGING_QUERY
from nimbus.core.errors import BadRequest, Forbidden, UnsupportedMediaType
from nimbus.image.constants import MAX_PROPERTY_KEY
from nimbus.image.db.images import SORT_KEYS, ImageQuery
from nimbus.image.db.tasks import SORT_KEYS as TASK_SORT_KEYS
from nimbus.image.schemas.image import (
    CORE_PROPERTIES,
    DISALLOWED,
    READ_ONLY,
    RESERVED,
    RESERVED_PREFIX,
    image_schema,
)

Schema = dict[str, Any]
_STRING: Schema = {"type": "string", "maxLength": 255}
_NULLABLE_BOOL: Schema = {"type": ["boolean", "null"]}


# -- image create and update ---------------------------------------------------------------------

def _image_body() -> Schema:
    """The image schema as a request body: keys no client may set are let through (the handler
    refuses them with a 403, as Glance does before it looks at any value)."""
    published = image_schema()
    props = {k: v for k, v in published["properties"].items()}
    for key in (READ_ONLY | DISALLOWED | RESERVED) - {"id"}:
        props[key] = {}
    return {"type": "object", "properties": props,
            "patternProperties": {f"^{RESERVED_PREFIX}": {}},
            "additionalProperties": published["additionalProperties"],
            "propertyNames": {"maxLength": MAX_PROPERTY_KEY}}


CREATE = _image_body()

PATCH_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
OPERATIONS = ("add", "remove", "replace")
# A JSON-patch document; which members an operation needs depends on the patch media type
# (draft 10's ``op`` and ``path``, or draft 4's ``"replace": path``), so ``parse_patch`` checks
# those.
PATCH: Schema = {"type": "array", "items": {
    "type": "object",
    "properties": {"op": {"type": "string", "enum": list(OPERATIONS)},
                   "path": {"type": "string"}, "value": {},
                   **{op: {"type": "string"} for op in OPERATIONS}},
}}


def check_key(key: str, *, creating: bool) -> None:
    """403 for attributes no client may set; 400 for a property name that is too long (a
    patch names it in a JSON pointer, out of the schema's reach)."""
    if key in DISALLOWED or (key in READ_ONLY and key != "id") or (key == "id" and not creating):
        raise Forbidden(f"Attribute '{key}' is read-only.")
    if key in RESERVED or key.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{key}' is reserved.")
    if len(key) > MAX_PROPERTY_KEY:
        raise BadRequest("Custom property should not be greater than 255 characters.")


@dataclass
class NewImage:
    core: dict[str, Any]
    properties: dict[str, str]
    tags: list[str]


def new_image(body: dict[str, Any]) -> NewImage:
    """A create body (already checked against ``CREATE``) split into columns, properties and
    tags; 403 for keys no client may set."""
    for key in body:
        check_key(key, creating=True)
    values = dict(body)
    tags = values.pop("tags", None) or []
    core = {k: values.pop(k) for k in list(values) if k in CORE_PROPERTIES}
    return NewImage(core, dict(values), list(dict.fromkeys(tags)))


def parse_create(body: Any) -> NewImage:
    """``new_image`` for a body no route checked (the legacy import task's properties)."""
    if not isinstance(body, dict):
        raise BadRequest("Body expected in request: a JSON object describing the image.")
    for key in body:
        check_key(key, creating=True)
    validation.check(body, CREATE, "glance")
    return new_image(body)


@dataclass
class Change:
    op: str
    path: list[str]
    value: Any = None
    draft: int = 10


def _decode_pointer(pointer: Any) -> list[str]:
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise BadRequest(f"Pointer `{pointer}` does not start with \"/\".")
    if len(pointer) > 1 and pointer.endswith("/"):
        raise BadRequest(f"Pointer `{pointer}` end with \"/\".")
    if re.search(r"/\s*?/", pointer[1:]):
        raise BadRequest(f"Pointer `{pointer}` contains adjacent \"/\".")
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise BadRequest(f"Pointer `{pointer}` contains \"~\" not part of a recognized escape "
                         "sequence.")
    return [p.replace("~1", "/").replace("~0", "~").strip() for p in pointer[1:].split("/")]


def _operation(raw: dict[str, Any], draft: int) -> tuple[str, Any]:
    if "op" in raw or draft == 10:
        op = raw.get("op")
        if op not in OPERATIONS:
            raise BadRequest(f"Invalid operation: `{op}`. It must be one of the following: "
                             f"{', '.join(OPERATIONS)}.")
        if "path" not in raw:
            raise BadRequest("Unable to find 'path' in JSON Schema change")
        return str(op), raw["path"]
    present = [k for k in OPERATIONS if k in raw]
    if len(present) != 1:
        raise BadRequest('Operation objects must contain exactly one member named "add", '
                         '"remove", or "replace".')
    return present[0], raw[present[0]]


def patch_draft(content_type: str) -> int:
    """The JSON-patch draft of a PATCH's media type; 415 unless it is one of Glance's."""
    media = content_type.split(";")[0].strip().lower()
    if media not in PATCH_TYPES:
        err = UnsupportedMediaType(content_type=content_type or "(none)")
        err.headers["Accept-Patch"] = ", ".join(sorted(PATCH_TYPES))
        raise err
    return PATCH_TYPES[media]


def parse_patch(content_type: str, body: list[dict[str, Any]]) -> list[Change]:
    """The changes of an image PATCH (a body already checked against ``PATCH``)."""
    draft = patch_draft(content_type)
    changes = []
    for raw in body:
        op, pointer = _operation(raw, draft)
        path = _decode_pointer(pointer)
        root = path[0]
        # Only ``/locations/<position>`` reaches inside an attribute (``-`` appends).
        if len(path) != 1 and not (root == "locations" and len(path) == 2):
            raise BadRequest(f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")
        check_key(root, creating=False)
        change = Change(op, path, draft=draft)
        if op != "remove":
            if "value" not in raw:
                raise BadRequest(f'Operation "{op}" requires a member named "value".')
            change.value = raw["value"]
            # The attribute's new value, checked against the same rules as a create body.
            validation.check({root: [change.value] if len(path) == 2 else change.value},
                             CREATE, "glance")
        changes.append(change)
    return changes


# -- the image list --------------------------------------------------------------------------------

# Filters compare with 64-bit columns; text filters never hold NUL (no database stores it).
_INTEGER: Schema = {"type": "integer", "minimum": -(2 ** 63), "maximum": 2 ** 63 - 1}
_TEXT: Schema = {"type": "string", "pattern": "^[^\\x00]*$"}
_BOOLEAN: Schema = {"type": "boolean"}
_TIME: Schema = {"type": "string", "maxLength": 64}
_INT_FILTERS = ("size_min", "size_max", "size", "min_ram", "min_disk")
_BOOL_FILTERS = ("protected", "os_hidden")
_TIME_FILTERS = ("created_at", "updated_at")
_STRING_FILTERS = ("name", "status", "owner", "container_format", "disk_format", "id",
                   "checksum", "os_hash_value")
_NOT_FILTERS = ("limit", "marker", "sort", "sort_key", "sort_dir", "tag", "member_status",
                "visibility")

LIST_QUERY = validation.query({
    **PAGING_QUERY,
    "sort_key": {"type": "array", "items": {"type": "string", "enum": list(SORT_KEYS)}},
    "sort": {"type": "string", "maxLength": 1024},
    "member_status": {"type": "string", "enum": ["pending", "accepted", "rejected", "all"]},
    "visibility": {"type": "string",
                   "enum": ["community", "public", "private", "shared", "all"]},
    "tag": {"type": "array", "items": _STRING},
    **{name: _INTEGER for name in _INT_FILTERS},
    **{name: _BOOLEAN for name in _BOOL_FILTERS},
    **{name: _TIME for name in _TIME_FILTERS},
    **{name: _TEXT for name in _STRING_FILTERS},
})


def _sort_key(value: str) -> str:
    if value not in SORT_KEYS:
        raise BadRequest(f"Invalid sort key: {value}. It must be one of the following: "
                         f"{', '.join(SORT_KEYS)}.")
    return value


def _sort_dir(value: str) -> str:
    if value not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort direction: {value}")
    return value


def list_sort(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Glance's two spellings of the order: ``sort=key:dir,...`` or ``sort_key``/``sort_dir``."""
    if "sort" in args:
        if "sort_key" in args or "sort_dir" in args:
            raise BadRequest("Old and new sorting syntax cannot be combined")
        pairs = []
        for part in str(args["sort"]).strip().split(","):
            key, _sep, direction = part.partition(":")
            pairs.append((_sort_key(key.strip()), _sort_dir(direction.strip() or "desc")))
        return pairs
    keys = list(args.get("sort_key") or [])
    dirs = list(args.get("sort_dir") or [])
    if len(dirs) > 1 and len(dirs) != len(keys):
        raise BadRequest("Number of sort dirs does not match the number of sort keys")
    keys = keys or ["created_at"]
    dirs = dirs or ["desc"]
    if len(dirs) == 1:
        dirs = dirs * len(keys)
    return list(zip(keys, dirs, strict=True))


def _time_filter(name: str, value: str) -> tuple[str, dt.datetime]:
    op, sep, text = value.partition(":")
    if not sep or op not in ("gt", "gte", "lt", "lte", "eq", "neq"):
        op, text = "eq", value
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid time '{text}' for filter '{name}'.") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return op, when


def image_query(args: Mapping[str, Any], query: Mapping[str, str]) -> ImageQuery:
    """The filters of ``GET /v2/images``: ``args`` are the declared parameters (checked and
    typed), ``query`` the whole query string (any other name filters on a custom property)."""
    if "changes-since" in query:
        raise BadRequest('The "changes-since" filter is no longer available on v2.')
    q = ImageQuery(visibility=args.get("visibility"),
                   member_status=args.get("member_status", "accepted"),
                   tags=[t.strip() for t in args.get("tag", [])])
    for name, value in args.items():
        if name in _TIME_FILTERS:
            q.times[name] = _time_filter(name, value)
        elif name in (*_INT_FILTERS, *_BOOL_FILTERS, *_STRING_FILTERS):
            q.filters[name] = value
    for name in query:
        if name not in LIST_QUERY["properties"] and name not in _NOT_FILTERS:
            q.properties[name] = query[name]
    return q


# -- import, locations, members and tasks ----------------------------------------------------------

IMPORT: Schema = {
    "type": "object",
    "required": ["method"],
    "properties": {
        "method": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 255},
            "uri": {"type": "string"},
            "glance_image_id": {"type": "string"},
            "glance_region": {"type": "string"},
            "glance_service_interface": {"type": "string", "maxLength": 255},
        }},
        "all_stores": _NULLABLE_BOOL,
        "all_stores_must_succeed": _NULLABLE_BOOL,
        "stores": {"type": ["array", "null"], "items": _STRING, "minItems": 1},
    },
}
# ``X-Image-Meta-Store`` may also come as ``?store=``.
STORE_QUERY = validation.query({"store": _STRING})

# ``POST /v2/images/{id}/locations`` (2.17): a URL and, optionally, the hash it should have.
ADD_LOCATION: Schema = {
    "type": "object",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {
        "url": {"type": "string", "minLength": 1, "maxLength": 2048},
        "validation_data": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {"os_hash_algo": {"type": "string", "maxLength": 64},
                           "os_hash_value": {"type": "string", "maxLength": 128}},
            "dependentRequired": {"os_hash_algo": ["os_hash_value"],
                                  "os_hash_value": ["os_hash_algo"]},
        },
    },
}

ADD_MEMBER: Schema = {"type": "object", "required": ["member"], "properties": {
    "member": {"type": "string", "minLength": 1, "maxLength": 255}}}
UPDATE_MEMBER: Schema = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["pending", "accepted", "rejected"]}}}

TASK_TYPES = ("import",)
# ``import_from`` is required too, but Glance checks the policy before it looks for it (a
# reader asking without one is refused, not corrected), so the manager checks that one.
CREATE_TASK: Schema = {
    "type": "object",
    "required": ["type", "input"],
    "properties": {
        "type": {"type": "string", "enum": list(TASK_TYPES)},
        "input": {"type": "object", "properties": {
            "import_from": {"type": "string", "maxLength": 2048},
            "image_properties": {"type": "object"},
        }},
    },
}
TASK_LIST_QUERY = validation.query({
    **PAGING_QUERY,
    "sort_key": {"type": "string", "enum": list(TASK_SORT_KEYS)},
    "sort_dir": {"type": "string", "enum": ["asc", "desc"]},
    "status": _STRING,
    "type": _STRING,
})
