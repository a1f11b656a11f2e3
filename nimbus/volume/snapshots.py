"""Snapshot rules: a point-in-time copy taken by the volume's backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume import states
from nimbus.volume.db import api as db
from nimbus.volume.db.models import Snapshot
from nimbus.volume.errors import InvalidInput, InvalidVolume
from nimbus.volume.quotas import QuotaManager
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]
# Declared outside the classes, whose ``list`` methods shadow the builtin.
Records = list[Record]
DELETABLE = {states.AVAILABLE, states.ERROR, states.ERROR_DELETING}


class SnapshotManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, quotas: QuotaManager) -> None:
        self.db = database
        self.rpc = rpc
        self.quotas = quotas

    def get(self, snapshot_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return db.snapshot_record(db.snapshot_row(s, snapshot_id, project_id))

    def list(self, project_id: str | None, filters: dict[str, str]) -> Records:
        with self.db.reader() as s:
            stmt = select(Snapshot).order_by(Snapshot.created_at.desc(), Snapshot.id.desc())
            if project_id is not None:
                stmt = stmt.filter_by(project_id=project_id)
            for key in ("status", "volume_id", "name"):
                if filters.get(key):
                    stmt = stmt.filter_by(**{key: filters[key]})
            return [db.snapshot_record(r) for r in s.scalars(stmt)]

    def create(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
               name: str | None, description: str | None, metadata: dict[str, str],
               force: bool) -> Record:
        record, host = self._insert(ctx, volume_id, project_id, name, description, metadata,
                                    force)
        self.rpc.create_snapshot(ctx, host, record["id"])
        return record

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
                name: str | None, description: str | None, metadata: dict[str, str],
                force: bool) -> tuple[Record, str]:
        with self.db.writer() as s:
            volume = db.volume_row(s, volume_id, project_id, lock=True)
            states.check("snapshot", volume.id, volume.status)
            if volume.status == states.IN_USE and not force:
                raise InvalidVolume(reason=f"Volume {volume.id} status must be available, but "
                                           f"the current status is in-use; use force.")
            if not volume.host:
                raise InvalidVolume(reason=f"Volume {volume.id} has no backend host.")
            self.quotas.check(s, volume.project_id, snapshots=1, gigabytes=volume.size)
            row = Snapshot(volume_id=volume.id, project_id=volume.project_id,
                           user_id=ctx.get("user_id"), name=name, description=description,
                           size=volume.size, status=states.CREATING, metadata_=dict(metadata),
                           updated_at=utcnow())
            s.add(row)
            s.flush()
            return db.snapshot_record(row), volume.host

    @retry_on_lock()
    def update(self, snapshot_id: str, project_id: str | None, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db.snapshot_row(s, snapshot_id, project_id)
            for key in ("name", "description"):
                if key in changes:
                    setattr(row, key, changes[key])
            if "metadata" in changes:
                row.metadata_ = dict(changes["metadata"])
            row.updated_at = utcnow()
            return db.snapshot_record(row)

    def delete(self, ctx: dict[str, Any], snapshot_id: str, project_id: str | None) -> None:
        host = self._mark_deleting(snapshot_id, project_id)
        self.rpc.delete_snapshot(ctx, host, snapshot_id)

    @retry_on_lock()
    def _mark_deleting(self, snapshot_id: str, project_id: str | None) -> str:
        with self.db.writer() as s:
            row = db.snapshot_row(s, snapshot_id, project_id)
            if row.status not in DELETABLE:
                raise InvalidInput(reason=f"Snapshot status must be available or error or "
                                          f"error_deleting, but it is {row.status}.")
            volume = db.volume_row(s, row.volume_id)
            row.status = states.DELETING
            row.updated_at = utcnow()
            return str(volume.host)
