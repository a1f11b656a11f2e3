"""Encryption keys of volumes and snapshots (``volume_keys``): wrapped, never in clear."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.volume.db.models import Snapshot, Volume, VolumeKey


def insert(s: Session, project_id: str, wrapped: str) -> VolumeKey:
    row = VolumeKey(project_id=project_id, wrapped=wrapped)
    s.add(row)
    s.flush()
    return row


def find(s: Session, key_id: str) -> VolumeKey | None:
    return s.get(VolumeKey, key_id)


def drop_unused(s: Session, key_id: str | None) -> None:
    """Remove a key once no volume or snapshot names it (each names its own copy, but a
    volume's row may go before or after a snapshot that shared it in an older cloud)."""
    if not key_id:
        return
    for model in (Volume, Snapshot):
        if s.scalar(select(model.id).where(model.encryption_key_id == key_id).limit(1)):
            return
    s.execute(delete(VolumeKey).where(VolumeKey.id == key_id))
