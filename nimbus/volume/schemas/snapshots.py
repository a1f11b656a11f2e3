"""Snapshot requests and responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import (
    BOOLEAN_LIKE,
    DESCRIPTION,
    METADATA,
    NAME,
    PAGING,
    QUERY_BOOLEAN,
    QUERY_STRING,
)

CREATE: Schema = {
    "type": "object",
    "properties": {
        "snapshot": {
            "type": "object",
            "properties": {
                # A null id is let through: Cinder looks the volume up first, and answers 404.
                "volume_id": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 36},
                                        {"type": "null"}]},
                "name": NAME,
                "display_name": NAME,
                "description": DESCRIPTION,
                "display_description": DESCRIPTION,
                "force": BOOLEAN_LIKE,
                "metadata": METADATA,
            },
            "required": ["volume_id"],
        },
    },
    "required": ["snapshot"],
}

UPDATE: Schema = {
    "type": "object",
    "properties": {
        "snapshot": {
            "type": "object",
            "properties": {"name": NAME, "display_name": NAME, "description": DESCRIPTION,
                           "display_description": DESCRIPTION},
        },
    },
    "required": ["snapshot"],
}


LIST_QUERY: Schema = query({
    **PAGING,
    "all_tenants": QUERY_BOOLEAN,
    "status": QUERY_STRING,
    "volume_id": QUERY_STRING,
    "name": QUERY_STRING,
})


# Shown by ``show`` and the detailed listing only.
EXTENDED = ("os-extended-snapshot-attributes:progress",
            "os-extended-snapshot-attributes:project_id")


def view(snap: dict[str, Any], *, admin: bool, at_least: Callable[[str], bool]) -> dict[str, Any]:
    """A snapshot as the asked-for microversion shows it (later fields only from their version,
    since clients validate bodies with closed schemas)."""
    body = {
        "id": snap["id"],
        "volume_id": snap["volume_id"],
        "name": snap["name"],
        "description": snap["description"],
        "status": snap["status"],
        "size": snap["size"],
        "metadata": snap["metadata"],
        "created_at": iso_micro(snap["created_at"]),
        "updated_at": iso_micro(snap["updated_at"]),
        "os-extended-snapshot-attributes:progress": snap["progress"],
        "os-extended-snapshot-attributes:project_id": snap["project_id"],
    }
    if at_least("3.14"):
        body["group_snapshot_id"] = snap.get("group_snapshot_id")
    if at_least("3.41"):
        body["user_id"] = snap["user_id"]
    if at_least("3.65"):
        body["consumes_quota"] = True
    return body
