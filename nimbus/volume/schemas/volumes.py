"""Volume requests and responses, as the Block Storage v3 API reference shapes them."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import iso_micro
from nimbus.volume.schemas.common import (
    BOOLEAN_LIKE,
    DESCRIPTION,
    METADATA,
    NAME,
    UUID_OR_NULL,
)

SIZE = {"type": ["integer", "string"], "pattern": r"^\s*[0-9]+\s*$", "minimum": 1,
        "maximum": 2147483647}

CREATE = {
    "type": "object",
    "properties": {
        "volume": {
            "type": "object",
            "properties": {
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
                "backup_id": UUID_OR_NULL,
                "group_id": UUID_OR_NULL,
                "consistencygroup_id": UUID_OR_NULL,
                "multiattach": BOOLEAN_LIKE,
            },
        },
        "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]},
    },
    "required": ["volume"],
}

UPDATE = {
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

METADATA_BODY = {
    "type": "object",
    "properties": {"metadata": {**METADATA, "type": "object"}},
    "required": ["metadata"],
}

META_ITEM_BODY = {
    "type": "object",
    "properties": {"meta": {**METADATA, "type": "object", "minProperties": 1,
                            "maxProperties": 1}},
    "required": ["meta"],
}


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
    if vol["readonly"]:
        metadata.setdefault("readonly", "True")
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
        "encrypted": False,
        "multiattach": vol["multiattach"],
        "metadata": metadata,
        "volume_type": vol["volume_type"],
        "snapshot_id": vol["snapshot_id"],
        "source_volid": vol["source_volid"],
        "replication_status": None,
        "consistencygroup_id": None,
        "migration_status": None,
        "user_id": vol["user_id"],
        "os-vol-tenant-attr:tenant_id": vol["project_id"],
        "links": _links(base, vol["project_id"], vol["id"]),
    }
    if vol["image_metadata"]:
        body["volume_image_metadata"] = dict(vol["image_metadata"])
    if admin:
        body["os-vol-host-attr:host"] = vol["host"]
        body["os-vol-mig-status-attr:migstat"] = None
        body["os-vol-mig-status-attr:name_id"] = None
    if version is not None and version >= "3.13":
        body["group_id"] = None
    if version is not None and version >= "3.21" and admin:
        body["provider_id"] = None
    if version is not None and version >= "3.48":
        body["shared_targets"] = False
        body["service_uuid"] = None
    if version is not None and version >= "3.63":
        body["volume_type_id"] = vol["volume_type_id"]
    if version is not None and version >= "3.65":
        body["consumes_quota"] = True
    return body
