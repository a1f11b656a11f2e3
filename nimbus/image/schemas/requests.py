"""Request validation: image create bodies, JSON-patch documents and list query strings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from nimbus.core.errors import BadRequest, Forbidden, UnsupportedMediaType
from nimbus.image.schemas.image import (
    CORE_PROPERTIES,
    DISALLOWED,
    READ_ONLY,
    RESERVED,
    RESERVED_PREFIX,
    image_schema,
)

PATCH_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
OPERATIONS = ("add", "remove", "replace")
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at",
             "updated_at")
MAX_PROPERTY_KEY = 255

_VALIDATOR = jsonschema.Draft4Validator(image_schema())


def check_against_schema(values: dict[str, Any]) -> None:
    """400 naming the first problem when ``values`` do not fit the image schema."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(values))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "image"
        raise BadRequest(f"Provided object does not match schema 'image': {where}: "
                         f"{error.message}")


def check_key(key: str, *, creating: bool) -> None:
    """403 for attributes no client may set; 400 for property names that are too long."""
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


def parse_create(body: Any) -> NewImage:
    if not isinstance(body, dict):
        raise BadRequest("Body expected in request: a JSON object describing the image.")
    for key in body:
        check_key(key, creating=True)
    check_against_schema(body)
    values = dict(body)
    tags = values.pop("tags", None) or []
    core = {k: values.pop(k) for k in list(values) if k in CORE_PROPERTIES}
    return NewImage(core, {k: v for k, v in values.items()}, list(dict.fromkeys(tags)))


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
        return op, raw["path"]
    present = [k for k in OPERATIONS if k in raw]
    if len(present) != 1:
        raise BadRequest('Operation objects must contain exactly one member named "add", '
                         '"remove", or "replace".')
    return present[0], raw[present[0]]


def parse_patch(content_type: str, body: Any) -> list[Change]:
    """The changes of an image PATCH; 415 unless it is one of Glance's json-patch types."""
    media = content_type.split(";")[0].strip().lower()
    if media not in PATCH_TYPES:
        err = UnsupportedMediaType(content_type=content_type or "(none)")
        err.headers["Accept-Patch"] = ", ".join(sorted(PATCH_TYPES))
        raise err
    draft = PATCH_TYPES[media]
    if not isinstance(body, list):
        raise BadRequest("Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise BadRequest("Operations must be JSON objects.")
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
            check_against_schema({root: [change.value] if len(path) == 2 else change.value})
        changes.append(change)
    return changes


@dataclass
class ListQuery:
    filters: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    member_status: str = "accepted"
    limit: int | None = None
    marker: str | None = None
    sort: list[tuple[str, str]] = field(default_factory=list)


_CORE_FILTERS = ("name", "status", "visibility", "owner", "container_format", "disk_format",
                 "id", "checksum", "os_hash_value", "protected", "os_hidden", "size_min",
                 "size_max", "size", "created_at", "updated_at", "min_ram", "min_disk")
_NOT_FILTERS = ("limit", "marker", "sort", "sort_key", "sort_dir", "tag", "member_status")


def _sort_dir(value: str) -> str:
    if value not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort direction: {value}")
    return value


def _sort_key(value: str) -> str:
    if value not in SORT_KEYS:
        raise BadRequest(f"Invalid sort key: {value}. It must be one of the following: "
                         f"{', '.join(SORT_KEYS)}.")
    return value


def parse_list(query: Any) -> ListQuery:
    """Glance's list parameters: filters, tags, member_status, limit/marker and both sorts."""
    result = ListQuery()
    limit = query.get("limit")
    if limit is not None:
        try:
            result.limit = int(limit)
        except ValueError:
            raise BadRequest("limit param must be an integer") from None
        if result.limit < 0:
            raise BadRequest("limit param must be positive")
    result.marker = query.get("marker")
    status = query.get("member_status", "accepted")
    if status not in ("pending", "accepted", "rejected", "all"):
        raise BadRequest(f"Invalid status: {status}")
    result.member_status = status
    result.tags = [t.strip() for t in query.getlist("tag")]
    if "sort" in query:
        if "sort_key" in query or "sort_dir" in query:
            raise BadRequest("Old and new sorting syntax cannot be combined")
        for part in query["sort"].strip().split(","):
            key, _sep, direction = part.partition(":")
            result.sort.append((_sort_key(key.strip()), _sort_dir(direction.strip() or "desc")))
    else:
        keys = [_sort_key(k.strip()) for k in query.getlist("sort_key")]
        dirs = [_sort_dir(d.strip()) for d in query.getlist("sort_dir")]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise BadRequest("Number of sort dirs does not match the number of sort keys")
        keys = keys or ["created_at"]
        if not dirs:
            dirs = ["desc"]
        if len(dirs) == 1:
            dirs = dirs * len(keys)
        result.sort = list(zip(keys, dirs, strict=True))
    if "changes-since" in query:
        raise BadRequest('The "changes-since" filter is no longer available on v2.')
    for key in query:
        if key in _NOT_FILTERS:
            continue
        value = query[key]
        if key in _CORE_FILTERS:
            result.filters[key] = value
        else:
            result.properties[key] = value
    visibility = result.filters.get("visibility")
    if visibility and visibility not in ("community", "public", "private", "shared", "all"):
        raise BadRequest(f"Invalid visibility value: {visibility}")
    return result
