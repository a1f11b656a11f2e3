"""Volume attachments (block device mappings) of servers; their ``status`` moves through
``states.ATTACHMENT_STATUS``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import VolumeAttachment
from nimbus.compute.states import ATTACHMENT_STATUS
from nimbus.core.db.engine import Database, retry_on_lock


def _ordered(uuid: str) -> Any:
    return select(VolumeAttachment).filter_by(instance_uuid=uuid).order_by(
        VolumeAttachment.created_at, VolumeAttachment.device_name, VolumeAttachment.id)


def attachments_of(db: Database, uuid: str) -> list[VolumeAttachment]:
    with db.reader() as s:
        return list(s.scalars(_ordered(uuid)).all())


def attachments_page(db: Database, uuid: str, limit: int | None,
                     offset: int) -> list[VolumeAttachment]:
    """A slice of the server's attachments, as Nova's ``limit``/``offset`` ask for it."""
    stmt = _ordered(uuid).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.reader() as s:
        return list(s.scalars(stmt).all())


def find_attachment(db: Database, uuid: str, *, volume_id: str | None = None,
                    bdm_id: str | None = None) -> VolumeAttachment | None:
    if not all(storable_id(v, 36) for v in (uuid, volume_id or "", bdm_id or "")):
        return None
    stmt = select(VolumeAttachment).filter_by(instance_uuid=uuid)
    if volume_id is not None:
        stmt = stmt.filter_by(volume_id=volume_id)
    if bdm_id is not None:
        stmt = stmt.filter_by(id=bdm_id)
    with db.reader() as s:
        return s.scalar(stmt.limit(1))


def attachments_of_volume(db: Database, volume_id: str) -> list[VolumeAttachment]:
    """Every server's attachment of the volume, oldest first (more than one: multiattach)."""
    if not storable_id(volume_id, 36):
        return []
    stmt = select(VolumeAttachment).filter_by(volume_id=volume_id).order_by(
        VolumeAttachment.created_at, VolumeAttachment.id)
    with db.reader() as s:
        return list(s.scalars(stmt).all())


def attachments_for(db: Database, uuids: list[str]) -> dict[str, list[VolumeAttachment]]:
    result: dict[str, list[VolumeAttachment]] = {u: [] for u in uuids}
    if not uuids:
        return result
    with db.reader() as s:
        stmt = select(VolumeAttachment).where(VolumeAttachment.instance_uuid.in_(uuids))
        for row in s.scalars(stmt.order_by(VolumeAttachment.created_at,
                                           VolumeAttachment.device_name)):
            result[row.instance_uuid].append(row)
    return result


@retry_on_lock()
def add_attachment(db: Database, values: dict[str, Any]) -> VolumeAttachment:
    ATTACHMENT_STATUS.start(values.get("status", "attaching"))
    with db.writer() as s:
        row = VolumeAttachment(**values)
        s.add(row)
        s.flush()
        return row


@retry_on_lock()
def update_attachment(db: Database, bdm_id: str, **values: Any) -> None:
    """Set ``values`` on the attachment, its ``status`` through its state machine."""
    with db.writer() as s:
        row = s.get(VolumeAttachment, bdm_id)
        if row is None:
            return
        if "status" in values:
            ATTACHMENT_STATUS.move(row, values.pop("status"))
        for key, value in values.items():
            setattr(row, key, value)


@retry_on_lock()
def remove_attachment(db: Database, bdm_id: str) -> None:
    with db.writer() as s:
        s.execute(delete(VolumeAttachment).filter_by(id=bdm_id))
