"""Volume transfer requests and views (``os-volume-transfer`` and, 3.55, ``volume-transfers``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.validation import Schema, query, versioned
from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import BOOLEAN_LIKE, PAGING, QUERY_BOOLEAN, QUERY_STRING
from nimbus.volume.schemas.common import resource_links as links

NO_SNAPSHOTS_VERSION = "3.55"
HISTORY_VERSION = "3.57"

_TRANSFER: dict[str, Schema] = {
    # Cinder's ``uuid`` format: 32 hex digits, dashes optional.
    "volume_id": {"type": "string",
                  "pattern": r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$"},
    "name": {"type": ["string", "null"], "maxLength": 255},
}


def _create(extra: dict[str, Schema]) -> Schema:
    return {
        "type": "object",
        "properties": {
            "transfer": {
                "type": "object",
                "properties": {**_TRANSFER, **extra},
                "required": ["volume_id"],
                "additionalProperties": False,
            },
        },
        "required": ["transfer"],
        "additionalProperties": False,
    }


# The legacy route never takes ``no_snapshots``; the v3 one from 3.55.
CREATE_LEGACY: Schema = _create({})
CREATE = versioned(("3.0", CREATE_LEGACY),
                   (NO_SNAPSHOTS_VERSION, _create({"no_snapshots": BOOLEAN_LIKE})))

ACCEPT: Schema = {
    "type": "object",
    "properties": {
        "accept": {
            "type": "object",
            "properties": {"auth_key": {"type": ["string", "integer"]}},
            "required": ["auth_key"],
            "additionalProperties": False,
        },
    },
    "required": ["accept"],
    "additionalProperties": False,
}

LIST_QUERY: Schema = query({**PAGING, "all_tenants": QUERY_BOOLEAN, "name": QUERY_STRING})

# Every view names the transfer under the legacy collection, as Cinder's does.
COLLECTION = "os-volume-transfer"


def summary(transfer: dict[str, Any], base: str, project_id: str) -> dict[str, Any]:
    return {"id": transfer["id"], "volume_id": transfer["volume_id"], "name": transfer["name"],
            "links": links(base, project_id, COLLECTION, transfer["id"])}


def detail(transfer: dict[str, Any], base: str, project_id: str,
           at_least: Callable[[str], bool]) -> dict[str, Any]:
    """The detailed view, with the fields of the asked-for microversion only (clients check
    bodies against closed schemas)."""
    body = {"id": transfer["id"], "created_at": iso_micro(transfer["created_at"]),
            "name": transfer["name"], "volume_id": transfer["volume_id"],
            "links": links(base, project_id, COLLECTION, transfer["id"])}
    if at_least(NO_SNAPSHOTS_VERSION):
        body["no_snapshots"] = transfer["no_snapshots"]
    if at_least(HISTORY_VERSION):
        body.update({"destination_project_id": transfer["destination_project_id"],
                     "source_project_id": transfer["source_project_id"],
                     "accepted": transfer["accepted"]})
    return body
