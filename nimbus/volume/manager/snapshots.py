"""Snapshot rules: a point-in-time copy taken by the volume's backend."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume import states
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import quota_classes as db_quota_classes
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.snapshots import SnapshotFilters
from nimbus.volume.errors import (
    InvalidInput,
    InvalidSnapshot,
    InvalidVolume,
    SnapshotMetadataNotFound,
)
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
            db_backends.assert_not_frozen(s, volume.host)
            self.quotas.check(s, volume.project_id, snapshots=1, gigabytes=volume.size,
                              volume_type=db_quota_classes.type_name(s, volume.volume_type_id))
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

    def delete(self, ctx: dict[str, Any], snapshot_id: str, project_id: str | None,
               force: bool = False) -> None:
        """Delete the snapshot on its backend; ``force`` (os-force_delete) whatever its status."""
        host = self._mark_deleting(snapshot_id, project_id, force)
        self.rpc.delete_snapshot(ctx, host, snapshot_id)

    @retry_on_lock()
    def _mark_deleting(self, snapshot_id: str, project_id: str | None, force: bool = False) -> str:
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            if row.group_snapshot_id:
                # Its group snapshot's deletion takes it (Cinder's rule and wording).
                raise InvalidSnapshot(reason="Snapshot status must be available or error and "
                                             "must not be part of a group.")
            if not force and row.status not in states.SNAPSHOT_DELETABLE:
                raise InvalidInput(reason=f"Snapshot status must be available or error or "
                                          f"error_deleting, but it is {row.status}.")
            volume = db_volumes.get(s, row.volume_id)
            db_backends.assert_not_frozen(s, volume.host)
            states.SNAPSHOT_STATUS.move(row, states.DELETING)
            row.updated_at = utcnow()
            return str(volume.host)

    # -- metadata -------------------------------------------------------------------------------
    def metadata(self, snapshot_id: str, project_id: str | None) -> dict[str, str]:
        return dict(self.get(snapshot_id, project_id)["metadata"])

    def metadata_item(self, snapshot_id: str, project_id: str | None, key: str) -> str:
        value = self.metadata(snapshot_id, project_id).get(key)
        if value is None:
            raise SnapshotMetadataNotFound(id=snapshot_id, key=key)
        return str(value)

    @retry_on_lock()
    def set_metadata(self, snapshot_id: str, project_id: str | None, values: dict[str, str],
                     replace: bool) -> dict[str, str]:
        """Merge ``values`` into the metadata, or (``replace``) make them the whole of it."""
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            row.metadata_ = dict(values) if replace else {**(row.metadata_ or {}), **values}
            row.updated_at = utcnow()
            return dict(row.metadata_)

    @retry_on_lock()
    def delete_metadata_item(self, snapshot_id: str, project_id: str | None, key: str) -> None:
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            current = dict(row.metadata_ or {})
            if key not in current:
                raise SnapshotMetadataNotFound(id=snapshot_id, key=key)
            current.pop(key)
            row.metadata_ = current
            row.updated_at = utcnow()

    # -- actions --------------------------------------------------------------------------------
    @retry_on_lock()
    def reset_status(self, snapshot_id: str, status: str) -> None:
        """os-reset_status: the operator's override (the database only, as in Cinder)."""
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id)
            states.SNAPSHOT_STATUS_RESET.move(row, status)
            row.updated_at = utcnow()

    @retry_on_lock()
    def update_status(self, snapshot_id: str, project_id: str | None, status: str,
                      progress: str | None) -> None:
        """os-update_snapshot_status: a consumer that makes the snapshot itself reports it
        made (or failed) while it is creating, or its deletion failed while deleting."""
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            allowed = states.SNAPSHOT_REPORTABLE.get(row.status)
            if allowed is None:
                raise InvalidInput(f"Snapshot status {row.status} not allowed for "
                                   f"update_snapshot_status", reason=row.status)
            if status not in allowed:
                raise InvalidInput(f"Provided snapshot status {status} not allowed for "
                                   f"snapshot with status {row.status}.", reason=status)
            states.SNAPSHOT_STATUS.move(row, status)
            if progress:
                row.progress = progress
            row.updated_at = utcnow()

    @retry_on_lock()
    def unmanage(self, snapshot_id: str, project_id: str | None) -> None:
        """os-unmanage: the cloud forgets the snapshot and leaves its data on the backend
        (which the file and fake backends keep where they are)."""
        with self.db.writer() as s:
            row = db_snapshots.get(s, snapshot_id, project_id)
            if row.status not in (states.AVAILABLE, states.ERROR):
                raise InvalidSnapshot(reason=f"Snapshot {row.id} status must be available or "
                                             f"error to be unmanaged, but it is {row.status}.")
            if row.group_snapshot_id:
                # It goes with its group snapshot, never alone (Cinder's rule and wording).
                raise InvalidSnapshot(reason="Snapshot status must be available or error and "
                                             "must not be part of a group.")
            db_snapshots.remove(s, row)
