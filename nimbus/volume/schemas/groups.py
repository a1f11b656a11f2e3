"""Generic volume group requests and responses: group types (3.11), groups (3.13) and group
snapshots (3.14), as the Block Storage v3 API reference shapes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.core.db.base import iso_micro
from nimbus.volume import states
from nimbus.volume.schemas.common import (
    BOOLEAN_LIKE,
    DESCRIPTION,
    NAME,
    PAGING,
    QUERY_BOOLEAN,
    QUERY_STRING,
)

_KEY: Schema = {"type": "string", "minLength": 1, "maxLength": 255}
_VALUE: Schema = {"type": ["string", "null", "boolean", "number"]}
SPECS: Schema = {"type": "object", "propertyNames": _KEY, "additionalProperties": _VALUE}
_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 255}

# -- group types ---------------------------------------------------------------------------------
TYPE_CREATE: Schema = {
    "type": "object",
    "properties": {"group_type": {
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255},
                       "description": DESCRIPTION, "is_public": BOOLEAN_LIKE,
                       "group_specs": SPECS},
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["group_type"],
    "additionalProperties": False,
}
TYPE_UPDATE: Schema = {
    "type": "object",
    "properties": {"group_type": {
        "type": "object",
        "properties": {"name": NAME, "description": DESCRIPTION, "is_public": BOOLEAN_LIKE},
        "additionalProperties": False,
    }},
    "required": ["group_type"],
    "additionalProperties": False,
}
SPECS_BODY: Schema = {"type": "object", "properties": {"group_specs": SPECS},
                      "required": ["group_specs"], "additionalProperties": False}
# ``PUT /group_types/{id}/group_specs/{key}``: ``{key: value}``, the key the URL's.
SPEC_ITEM: Schema = {"type": "object", "minProperties": 1, "propertyNames": _KEY,
                     "additionalProperties": _VALUE}
TYPE_LIST_QUERY: Schema = query({**PAGING, "is_public": {"type": "string", "maxLength": 16}})

# -- groups --------------------------------------------------------------------------------------
CREATE: Schema = {
    "type": "object",
    "properties": {"group": {
        "type": "object",
        "properties": {
            "name": NAME,
            "description": DESCRIPTION,
            "group_type": _ID,
            "volume_types": {"type": "array", "minItems": 1, "uniqueItems": True,
                             "items": _ID},
            "availability_zone": {"type": ["string", "null"], "maxLength": 255},
        },
        "required": ["group_type", "volume_types"],
        "additionalProperties": False,
    }},
    "required": ["group"],
    "additionalProperties": False,
}
CREATE_FROM_SOURCE: Schema = {
    "type": "object",
    "properties": {"create-from-src": {
        "type": "object",
        "properties": {"name": NAME, "description": DESCRIPTION,
                       "group_snapshot_id": _ID, "source_group_id": _ID},
        "oneOf": [{"required": ["group_snapshot_id"]}, {"required": ["source_group_id"]}],
        "additionalProperties": False,
    }},
    "required": ["create-from-src"],
    "additionalProperties": False,
}
_VOLUME_IDS: Schema = {"type": ["string", "null"], "maxLength": 65535}
UPDATE: Schema = {
    "type": "object",
    "properties": {"group": {
        "type": "object",
        "properties": {"name": NAME, "description": DESCRIPTION, "add_volumes": _VOLUME_IDS,
                       "remove_volumes": _VOLUME_IDS},
        "anyOf": [{"required": ["name"]}, {"required": ["description"]},
                  {"required": ["add_volumes"]}, {"required": ["remove_volumes"]}],
        "additionalProperties": False,
    }},
    "required": ["group"],
    "additionalProperties": False,
}
RESET_STATUS: Schema = {
    "type": "object",
    "properties": {"status": {"type": "string", "minLength": 1, "maxLength": 255}},
    "required": ["status"],
    "additionalProperties": False,
}
# ``POST /groups/{id}/action``: one action and its arguments.
GROUP_ACTIONS: dict[str, Schema] = {
    "delete": {"type": "object", "properties": {"delete-volumes": BOOLEAN_LIKE},
               "additionalProperties": False},
    "reset_status": RESET_STATUS,
    "enable_replication": {"type": "object"},
    "disable_replication": {"type": "object"},
    "failover_replication": {"type": "object", "properties": {
        "allow_attached_volume": BOOLEAN_LIKE,
        "secondary_backend_id": {"type": ["string", "null"], "maxLength": 255}},
        "additionalProperties": False},
    "list_replication_targets": {"type": "object"},
}
GROUP_ACTION: Schema = {"type": "object", "properties": GROUP_ACTIONS, "minProperties": 1,
                        "maxProperties": 1, "additionalProperties": False}
LIST_QUERY: Schema = query({**PAGING, "all_tenants": QUERY_BOOLEAN, "name": QUERY_STRING,
                            "status": QUERY_STRING, "list_volume": QUERY_BOOLEAN})
SHOW_QUERY: Schema = query({"list_volume": QUERY_BOOLEAN})

# -- group snapshots -----------------------------------------------------------------------------
SNAPSHOT_CREATE: Schema = {
    "type": "object",
    "properties": {"group_snapshot": {
        "type": "object",
        "properties": {"group_id": _ID, "name": NAME, "description": DESCRIPTION},
        "required": ["group_id"],
        "additionalProperties": False,
    }},
    "required": ["group_snapshot"],
    "additionalProperties": False,
}
SNAPSHOT_ACTION: Schema = {"type": "object", "properties": {"reset_status": RESET_STATUS},
                           "required": ["reset_status"], "additionalProperties": False}
SNAPSHOT_LIST_QUERY: Schema = query({**PAGING, "all_tenants": QUERY_BOOLEAN,
                                     "name": QUERY_STRING, "status": QUERY_STRING,
                                     "group_id": QUERY_STRING})

VALID_GROUP_STATUSES = sorted(states.GROUP_STATUSES)
VALID_GROUP_SNAPSHOT_STATUSES = sorted(states.GROUP_SNAPSHOT_STATUSES)


# -- views ---------------------------------------------------------------------------------------
def type_view(gtype: dict[str, Any], show_specs: bool) -> dict[str, Any]:
    body = {"id": gtype["id"], "name": gtype["name"], "description": gtype["description"],
            "is_public": gtype["is_public"]}
    if show_specs:
        body["group_specs"] = dict(gtype["group_specs"])
    return body


def summary(group: dict[str, Any]) -> dict[str, Any]:
    return {"id": group["id"], "name": group["name"]}


def detail(group: dict[str, Any], at_least: Callable[[str], bool], list_volume: bool,
           show_project: bool) -> dict[str, Any]:
    """A group as the asked-for microversion shows it (later fields from their version only:
    clients check these bodies against closed schemas)."""
    body: dict[str, Any] = {
        "id": group["id"],
        "status": group["status"],
        "availability_zone": group["availability_zone"],
        "created_at": iso_micro(group["created_at"]),
        "name": group["name"],
        "description": group["description"],
        "group_type": group["group_type_id"],
        "volume_types": list(group["volume_type_ids"]),
    }
    if at_least("3.14"):
        body["group_snapshot_id"] = group["group_snapshot_id"]
        body["source_group_id"] = group["source_group_id"]
    if at_least("3.25") and list_volume:
        body["volumes"] = list(group["volume_ids"])
    if at_least("3.38"):
        body["replication_status"] = group["replication_status"]
    if at_least("3.58") and show_project:
        body["project_id"] = group["project_id"]
    return body


def snapshot_summary(snap: dict[str, Any]) -> dict[str, Any]:
    return {"id": snap["id"], "name": snap["name"], "group_type_id": snap["group_type_id"]}


def snapshot_detail(snap: dict[str, Any], at_least: Callable[[str], bool],
                    show_project: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": snap["id"],
        "group_id": snap["group_id"],
        "group_type_id": snap["group_type_id"],
        "status": snap["status"],
        "created_at": iso_micro(snap["created_at"]),
        "name": snap["name"],
        "description": snap["description"],
    }
    if at_least("3.58") and show_project:
        body["project_id"] = snap["project_id"]
    return body
