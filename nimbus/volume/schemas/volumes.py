"""Volume requests and responses, as the Block Storage v3 API reference shapes them."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query, versioned
from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import (
    BOOLEAN_LIKE,
    DESCRIPTION,
    METADATA,
    NAME,
    PAGING,
    QUERY_BOOLEAN,
    QUERY_STRING,
    SIZE,
    UUID_OR_NULL,
)

# A volume made from a snapshot, another volume or (3.47) a backup takes its size from it
# when none is given.
_FROM_SOURCE: Schema = {"anyOf": [
    {"required": ["snapshot_id"], "properties": {"snapshot_id": {"type": "string",
                                                                 "minLength": 1}}},
    {"required": ["source_volid"], "properties": {"source_volid": {"type": "string",
                                                                   "minLength": 1}}},
    {"required": ["backup_id"], "properties": {"backup_id": {"type": "string",
                                                             "minLength": 1}}},
]}

_VOLUME: Schema = {
    "size": {"anyOf": [SIZE, {"type": "null"}]},
    "name": NAME,
    "display_name": NAME,
    "description": DESCRIPTION,
    "display_description": DESCRIPTION,
    "volume_type": {"type": ["string", "null"], "maxLength": 255},
    "metadata": METADATA,
    "availability_zone": {"type": ["string", "null"], "maxLength": 255},
    "snapshot_id": UUID_OR_NULL,
    "source_volid": UUID_OR_NULL,
    "imageRef": UUID_OR_NULL,
    "consistencygroup_id": UUID_OR_NULL,
    "multiattach": BOOLEAN_LIKE,
}


def _create(**since: Schema) -> Schema:
    """The create body with the volume fields of a microversion (Cinder's bodies stay open to
    other members, which it ignores)."""
    return {
        "type": "object",
        "properties": {
            "volume": {
                "type": "object",
                "properties": {**_VOLUME, **since},
                "if": _FROM_SOURCE,
                "else": {"required": ["size"], "properties": {"size": SIZE}},
            },
            "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]},
        },
        "required": ["volume"],
    }


# As Cinder's: ``group_id`` from 3.13, ``backup_id`` from 3.47.
CREATE_V30 = _create()
CREATE_V313 = _create(group_id=UUID_OR_NULL)
CREATE = _create(group_id=UUID_OR_NULL, backup_id=UUID_OR_NULL)
CREATE_BY_VERSION = versioned(("3.0", CREATE_V30), ("3.13", CREATE_V313), ("3.47", CREATE))

UPDATE: Schema = {
    "type": "object",
    "properties": {
        "volume": {
            "type": "object",
            "properties": {
                "name": NAME,
                "display_name": NAME,
                "description": DESCRIPTION,
                "display_description": DESCRIPTION,
                "metadata": METADATA,
            },
        },
    },
    "required": ["volume"],
}

METADATA_BODY: Schema = {
    "type": "object",
    "properties": {"metadata": {**METADATA, "type": "object"}},
    "required": ["metadata"],
}

META_ITEM_BODY: Schema = {
    "type": "object",
    "properties": {"meta": {**METADATA, "type": "object", "minProperties": 1,
                            "maxProperties": 1}},
    "required": ["meta"],
}


# Listing: Cinder's paging, ``all_tenants`` for admins, ``with_count`` (3.45), and filters on
# the volume's own fields (others are ignored, as Cinder ignores filters it does not know).
LIST_QUERY: Schema = query({
    **PAGING,
    "all_tenants": QUERY_BOOLEAN,
    "with_count": QUERY_BOOLEAN,
    "name": QUERY_STRING,
    "display_name": QUERY_STRING,
    "status": QUERY_STRING,
    "availability_zone": QUERY_STRING,
    "id": QUERY_STRING,
    "user_id": QUERY_STRING,
    "project_id": QUERY_STRING,
    "bootable": QUERY_STRING,
    "metadata": {"type": "string", "maxLength": 65535},
})

DELETE_QUERY: Schema = query({"cascade": QUERY_BOOLEAN, "force": QUERY_BOOLEAN})


def _links(base: str, project_id: str, volume_id: str) -> list[dict[str, str]]:
    return [
        {"href": f"{base}/v3/{project_id}/volumes/{volume_id}", "rel": "self"},
        {"href": f"{base}/{project_id}/volumes/{volume_id}", "rel": "bookmark"},
    ]


def summary(vol: dict[str, Any], base: str) -> dict[str, Any]:
    return {"id": vol["id"], "name": vol["name"],
            "links": _links(base, vol["project_id"], vol["id"])}


def attachment_summary(att: dict[str, Any]) -> dict[str, Any]:
    """One entry of a volume's ``attachments`` list."""
    return {
        "server_id": att["instance_uuid"],
        "attachment_id": att["id"],
        "attached_at": iso_micro(att["attach_time"] or att["created_at"]),
        "host_name": att["attached_host"],
        "volume_id": att["volume_id"],
        "device": att["mountpoint"],
        "id": att["volume_id"],
    }


def detail(vol: dict[str, Any], base: str, *, admin: bool, version: Any) -> dict[str, Any]:
    """The full volume, with the admin-only attributes when ``admin``."""
    metadata = dict(vol["metadata"])
    if vol["readonly"] is not None:
        metadata.setdefault("readonly", str(bool(vol["readonly"])))
    body: dict[str, Any] = {
        "id": vol["id"],
        "name": vol["name"],
        "description": vol["description"],
        "status": vol["status"],
        "size": vol["size"],
        "availability_zone": vol["availability_zone"],
        "created_at": iso_micro(vol["created_at"]),
        "updated_at": iso_micro(vol["updated_at"]),
        "attachments": [attachment_summary(a) for a in vol["attachments"]
                        if a["attach_status"] == "attached"],
        "bootable": "true" if vol["bootable"] else "false",
        "encrypted": bool(vol.get("encryption_key_id")),
        "multiattach": vol["multiattach"],
        "metadata": metadata,
        "volume_type": vol["volume_type"],
        "snapshot_id": vol["snapshot_id"],
        "source_volid": vol["source_volid"],
        "replication_status": None,
        "consistencygroup_id": None,
        # Cinder tells only admins how a move between backends went.
        "migration_status": vol.get("migration_status") if admin else None,
        "user_id": vol["user_id"],
        "os-vol-tenant-attr:tenant_id": vol["project_id"],
        "links": _links(base, vol["project_id"], vol["id"]),
    }
    if vol["image_metadata"]:
        body["volume_image_metadata"] = dict(vol["image_metadata"])
    if admin:
        body["os-vol-host-attr:host"] = vol["host"]
        body["os-vol-mig-status-attr:migstat"] = vol.get("migration_status")
        body["os-vol-mig-status-attr:name_id"] = None
    if version is not None and version >= "3.13":
        body["group_id"] = vol.get("group_id")
    if version is not None and version >= "3.21" and admin:
        body["provider_id"] = None
    if version is not None and version >= "3.48":
        body["shared_targets"] = False
        body["service_uuid"] = None
    if version is not None and version >= "3.63":
        body["volume_type_id"] = vol["volume_type_id"]
    if version is not None and version >= "3.64":
        body["encryption_key_id"] = vol.get("encryption_key_id")
    if version is not None and version >= "3.65":
        body["consumes_quota"] = True
    return body
