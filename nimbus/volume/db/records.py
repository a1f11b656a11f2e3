"""Rows into records: plain dicts with our own field names, which ``schemas/`` shapes for the wire.

Shared by the API-side managers and the agent; a volume's record carries its type's name and its
live attachments, fetched for a whole page of volumes in two queries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.volume import states
from nimbus.volume.constants import EXTEND_NEW_SIZE
from nimbus.volume.db.models import Attachment, Snapshot, Volume, VolumeType

Record = dict[str, Any]
# Admin metadata shown in a volume's ``metadata``.
VISIBLE_ADMIN_METADATA = frozenset({EXTEND_NEW_SIZE})


def attachment_record(row: Attachment) -> Record:
    return {
        "id": row.id,
        "volume_id": row.volume_id,
        "project_id": row.project_id,
        "instance_uuid": row.instance_uuid,
        "attached_host": row.attached_host,
        "mountpoint": row.mountpoint,
        "attach_status": row.attach_status,
        "attach_mode": row.attach_mode,
        "connector": dict(row.connector or {}),
        "connection_info": dict(row.connection_info or {}),
        "attach_time": row.attach_time,
        "detach_time": row.detach_time,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def volume_records(s: Session, rows: list[Volume]) -> list[Record]:
    """Records for ``rows`` with their type names and live attachments, in two queries."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    type_ids = {r.volume_type_id for r in rows if r.volume_type_id}
    types = {t.id: t.name for t in s.scalars(select(VolumeType).where(VolumeType.id.in_(type_ids)))}
    attachments: dict[str, list[Record]] = {}
    stmt = (select(Attachment).where(Attachment.volume_id.in_(ids))
            .where(Attachment.attach_status != states.DETACHED).order_by(Attachment.created_at))
    for att in s.scalars(stmt):
        attachments.setdefault(att.volume_id, []).append(attachment_record(att))
    return [volume_record(r, types.get(r.volume_type_id or ""), attachments.get(r.id, []))
            for r in rows]


def volume_record(row: Volume, type_name: str | None, attachments: list[Record]) -> Record:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "name": row.name,
        "description": row.description,
        "size": row.size,
        "status": row.status,
        "attach_status": row.attach_status,
        "availability_zone": row.availability_zone,
        "volume_type_id": row.volume_type_id,
        "volume_type": type_name,
        "host": row.host,
        "migration_status": row.migration_status,
        "bootable": row.bootable,
        "multiattach": row.multiattach,
        "readonly": row.readonly,
        # The admin metadata keys a client may read shadow the user's own (Cinder's visible
        # admin metadata): compute reads an extend's target size there.
        "metadata": {**(row.metadata_ or {}),
                     **{k: v for k, v in (row.admin_metadata or {}).items()
                        if k in VISIBLE_ADMIN_METADATA}},
        "image_metadata": dict(row.image_metadata or {}),
        "snapshot_id": row.snapshot_id,
        "source_volid": row.source_volid,
        "provider_location": row.provider_location,
        "encryption_key_id": row.encryption_key_id,
        "encryption": encryption_of(row),
        "group_id": row.group_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "attachments": attachments,
    }


def driver_volume(row: Volume) -> Record:
    """What a driver is shown of a volume (see ``drivers/base.py``)."""
    return {
        "id": row.id,
        "name": f"volume-{row.id}",
        "display_name": row.name,
        "size": row.size,
        "project_id": row.project_id,
        "host": row.host,
        "provider_location": row.provider_location,
        "readonly": row.readonly,
        "multiattach": row.multiattach,
        # What the backend needs to make or open the volume's data (not the key itself).
        "encryption": encryption_of(row),
    }


def encryption_of(row: Volume) -> Record | None:
    """An encrypted volume's encryption and key id; None for one that is not encrypted."""
    if not row.encryption_key_id:
        return None
    return {**{k: (row.encryption or {}).get(k) for k in ("provider", "cipher", "key_size",
                                                          "control_location")},
            "encryption_key_id": row.encryption_key_id}


def snapshot_record(row: Snapshot) -> Record:
    return {
        "id": row.id,
        "volume_id": row.volume_id,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "name": row.name,
        "description": row.description,
        "size": row.size,
        "status": row.status,
        "progress": row.progress,
        "metadata": dict(row.metadata_ or {}),
        "encryption_key_id": row.encryption_key_id,
        "group_snapshot_id": row.group_snapshot_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def type_record(row: VolumeType) -> Record:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "is_public": row.is_public,
        "extra_specs": dict(row.extra_specs or {}),
        "encryption": ({**row.encryption, "volume_type_id": row.id} if row.encryption
                       else None),
        "qos_specs_id": row.qos_specs_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
