"""User message queries and views (Cinder's /messages, 3.3+)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import PAGING, QUERY_BOOLEAN, QUERY_STRING

LIST_QUERY: Schema = query({
    **PAGING,
    "all_tenants": QUERY_BOOLEAN,
    "resource_uuid": QUERY_STRING,
    "resource_type": QUERY_STRING,
    "event_id": QUERY_STRING,
    "request_id": QUERY_STRING,
    "message_level": QUERY_STRING,
})


def view(msg: dict[str, Any], base: str) -> dict[str, Any]:
    project, message_id = msg["project_id"], msg["id"]
    return {
        "id": message_id,
        "event_id": msg["event_id"],
        "user_message": msg["user_message"],
        "message_level": msg["message_level"],
        "resource_type": msg["resource_type"],
        "resource_uuid": msg["resource_uuid"],
        "request_id": msg["request_id"],
        "created_at": iso_micro(msg["created_at"]),
        "guaranteed_until": iso_micro(msg["expires_at"]) if msg["expires_at"] else None,
        "links": [
            {"href": f"{base}/v3/{project}/messages/{message_id}", "rel": "self"},
            {"href": f"{base}/{project}/messages/{message_id}", "rel": "bookmark"},
        ],
    }
