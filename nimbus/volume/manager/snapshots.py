"""Snapshot rules: a point-in-time copy taken by the volume's backend."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume import states
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.snapshots import SnapshotFilters
from nimbus.volume.errors import InvalidInput, InvalidVolume
from nimbus.volume.manager.keys import KeyStore
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]

__all__ = ["SnapshotFilters", "SnapshotManager"]


class SnapshotManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, quotas: QuotaManager,
                 keys: KeyStore | None = None) -> None:
        self.db = database
        self.rpc = rpc
        self.quotas = quotas
        self.keys = keys

    def get(self, snapshot_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return records.snapshot_record(db_snapshots.get(s, snapshot_id, project_id))

    def listing(self, filters: SnapshotFilters, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_snapshots.listing(s, filters, query)
            return Page([records.snapshot_record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

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
            volume = db_volumes.get(s, volume_id, project_id, lock=True)
            states.require("snapshot", volume.id, volume.status)
            if volume.status == states.IN_USE and not force:
                raise InvalidVolume(reason=f"Volume {volume.id} status must be available, but "
                                           f"the current status is in-use; use force.")
            if not volume.host:
                raise InvalidVolume(reason=f"Volume {volume.id} has no backend host.")
            self.quotas.check(s, volume.project_id, snapshots=1, gigabytes=volume.size)
            key_id = (self.keys.clone(s, volume.encryption_key_id, volume.project_id)
                      if volume.encryption_key_id and self.keys is not None else None)
            row = db_snapshots.insert(
                s, volume_id=volume.id, project_id=volume.project_id,
                user_id=ctx.get("user_id"), name=name, description=description,
                size=volume.size, status=states.SNAPSHOT_STATUS.start(states.CREATING),
                metadata_=dict(metadata), updated_at=utcnow(), encryption_key_id=key_id,
                generation=db_snapshots.next_generation(s, volume.id))
            return records.snapshot_record(row), volume.host

    @retry_on_lock()
    def update(self, snapshot_id: str, project_id: str | None, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            for key in ("name", "description"):
                if key in changes:
                    setattr(row, key, changes[key])
            if "metadata" in changes:
                row.metadata_ = dict(changes["metadata"])
            row.updated_at = utcnow()
            return records.snapshot_record(row)

    def delete(self, ctx: dict[str, Any], snapshot_id: str, project_id: str | None) -> None:
        host = self._mark_deleting(snapshot_id, project_id)
        self.rpc.delete_snapshot(ctx, host, snapshot_id)

    @retry_on_lock()
    def _mark_deleting(self, snapshot_id: str, project_id: str | None) -> str:
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            if row.status not in states.SNAPSHOT_DELETABLE:
                raise InvalidInput(reason=f"Snapshot status must be available or error or "
                                          f"error_deleting, but it is {row.status}.")
            volume = db_volumes.get(s, row.volume_id)
            states.SNAPSHOT_STATUS.move(row, states.DELETING)
            row.updated_at = utcnow()
            return str(volume.host)
