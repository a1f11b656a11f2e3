"""Backup requests and responses, as Cinder's backups API shapes them (closed bodies: a member
Cinder does not know is refused, as its schemas refuse it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.validation import Schema, query, versioned
from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import (
    BOOLEAN_LIKE,
    DESCRIPTION,
    NAME,
    PAGING,
    QUERY_BOOLEAN,
    QUERY_STRING,
)

# Cinder's ``uuid`` format: 32 hex digits, dashes optional.
UUID: Schema = {"type": "string",
                "pattern": r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$"}
UUID_OR_NULL: Schema = {"anyOf": [UUID, {"type": "null"}]}
NULLABLE_STRING: Schema = {"type": ["string", "null"], "maxLength": 255}
# Cinder's metadata of backups (its ``extra_specs`` pattern): keys of letters, digits and
# ``-_:. /``, string values.
METADATA: Schema = {
    "type": "object",
    "patternProperties": {r"^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
METADATA_OR_NULL: Schema = {**METADATA, "type": ["object", "null"]}


def _closed(key: str, properties: dict[str, Schema], required: list[str] | None = None,
            nullable: bool = False) -> Schema:
    inner: Schema = {"type": ["object", "null"] if nullable else "object",
                     "properties": properties, "additionalProperties": False}
    if required:
        inner["required"] = required
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


_CREATE: dict[str, Schema] = {
    "volume_id": UUID,
    "container": NULLABLE_STRING,
    "description": DESCRIPTION,
    "incremental": BOOLEAN_LIKE,
    "force": BOOLEAN_LIKE,
    "name": NAME,
    "snapshot_id": UUID_OR_NULL,
}
# ``metadata`` from 3.43, ``availability_zone`` from 3.51.
CREATE = versioned(
    ("3.0", _closed("backup", _CREATE, ["volume_id"])),
    ("3.43", _closed("backup", {**_CREATE, "metadata": METADATA_OR_NULL}, ["volume_id"])),
    ("3.51", _closed("backup", {**_CREATE, "metadata": METADATA_OR_NULL,
                                "availability_zone": NULLABLE_STRING}, ["volume_id"])),
)
# Updating a backup exists from 3.9 (``metadata`` from 3.43).
UPDATE = versioned(
    ("3.9", _closed("backup", {"name": NAME, "description": DESCRIPTION}, nullable=True)),
    ("3.43", _closed("backup", {"name": NAME, "description": DESCRIPTION, "metadata": METADATA},
                     nullable=True)),
)
RESTORE: Schema = _closed("restore", {"name": NAME, "volume_id": UUID_OR_NULL}, nullable=True)
IMPORT: Schema = _closed("backup-record", {
    "backup_service": {"type": "string", "maxLength": 255},
    "backup_url": {"type": "string", "minLength": 1, "maxLength": 1024 * 1024},
}, ["backup_service", "backup_url"])
# POST /backups/{id}/action: one admin action.
ACTION: Schema = {
    "type": "object",
    "properties": {
        "os-reset_status": {"type": "object",
                            "properties": {"status": {"type": "string", "maxLength": 255}},
                            "required": ["status"], "additionalProperties": False},
        "os-force_delete": {},
    },
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
ACTIONS = ("os-reset_status", "os-force_delete")

LIST_QUERY: Schema = query({
    **PAGING,
    "all_tenants": QUERY_BOOLEAN,
    "name": QUERY_STRING,
    "status": QUERY_STRING,
    "volume_id": QUERY_STRING,
    "project_id": QUERY_STRING,
    "with_count": QUERY_BOOLEAN,
})


def _links(base: str, project_id: str, backup_id: str) -> list[dict[str, str]]:
    return [
        {"href": f"{base}/v3/{project_id}/backups/{backup_id}", "rel": "self"},
        {"href": f"{base}/{project_id}/backups/{backup_id}", "rel": "bookmark"},
    ]


def summary(backup: dict[str, Any], base: str, project_id: str) -> dict[str, Any]:
    """What create, update, import and the plain listing show."""
    return {"id": backup["id"], "name": backup["name"],
            "links": _links(base, project_id, backup["id"])}


def detail(backup: dict[str, Any], base: str, project_id: str, *,
           at_least: Callable[[str], bool], owner_visible: bool) -> dict[str, Any]:
    """The full backup as the asked-for microversion shows it (later fields only from their
    version, since clients check these bodies against closed schemas); its project and user
    only to whom ``backup:backup_project_attribute`` allows."""
    body: dict[str, Any] = {
        "id": backup["id"],
        "status": backup["status"],
        "size": backup["size"],
        "object_count": backup["object_count"],
        "availability_zone": backup["availability_zone"],
        "container": backup["container"],
        "created_at": iso_micro(backup["created_at"]),
        "updated_at": iso_micro(backup["updated_at"]),
        "name": backup["name"],
        "description": backup["description"],
        "fail_reason": backup["fail_reason"],
        "volume_id": backup["volume_id"],
        "links": _links(base, project_id, backup["id"]),
        "is_incremental": backup["is_incremental"],
        "has_dependent_backups": backup["has_dependent_backups"],
        "snapshot_id": backup["snapshot_id"],
        "data_timestamp": iso_micro(backup["data_timestamp"]),
    }
    if at_least("3.43"):
        body["metadata"] = backup["metadata"]
    if at_least("3.18") and owner_visible:
        body["os-backup-project-attr:project_id"] = backup["project_id"]
    if at_least("3.56") and owner_visible:
        body["user_id"] = backup["user_id"]
    return body


def restore_view(restore: dict[str, Any]) -> dict[str, Any]:
    return {"backup_id": restore["backup_id"], "volume_id": restore["volume_id"],
            "volume_name": restore["volume_name"]}
