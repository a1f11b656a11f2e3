"""Row lookups and row → record conversion shared by the API-side managers and the agent.

Records are plain dicts with our own field names; ``schemas/`` turns them into wire shapes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.volume.db.models import Attachment, Snapshot, Volume, VolumeType
from nimbus.volume.errors import (
    AttachmentNotFound,
    SnapshotNotFound,
    VolumeNotFound,
    VolumeTypeNotFound,
)

Record = dict[str, Any]


def volume_row(s: Session, volume_id: str, project_id: str | None = None,
               lock: bool = False) -> Volume:
    """The volume, or ``VolumeNotFound`` when absent or (``project_id`` given) another project's."""
    stmt = select(Volume).filter_by(id=volume_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalar(stmt)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise VolumeNotFound(id=volume_id)
    return row


def attachment_row(s: Session, attachment_id: str, project_id: str | None = None) -> Attachment:
    row = s.get(Attachment, attachment_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise AttachmentNotFound(id=attachment_id)
    return row


def snapshot_row(s: Session, snapshot_id: str, project_id: str | None = None) -> Snapshot:
    row = s.get(Snapshot, snapshot_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise SnapshotNotFound(id=snapshot_id)
    return row


def type_row(s: Session, ref: str) -> VolumeType:
    """A volume type by id or by name, as Cinder accepts either."""
    row = s.get(VolumeType, ref) or s.scalar(select(VolumeType).filter_by(name=ref))
    if row is None:
        raise VolumeTypeNotFound(id=ref)
    return row


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
            .where(Attachment.attach_status != "detached").order_by(Attachment.created_at))
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
        "bootable": row.bootable,
        "multiattach": row.multiattach,
        "readonly": row.readonly,
        "metadata": dict(row.metadata_ or {}),
        "image_metadata": dict(row.image_metadata or {}),
        "snapshot_id": row.snapshot_id,
        "source_volid": row.source_volid,
        "provider_location": row.provider_location,
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
    }


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
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
