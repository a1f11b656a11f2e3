"""The volume agent's backup work: reading a volume into the object store, writing a backup back
into a volume, deleting a backup's data, checking an imported one's.

The API has moved the backup (and its volume or snapshot) into a transient status and cast the
work here; the data moves in this agent's own pool, so a long backup never holds the agent's
RPC workers. The object store is reached on the service's own credentials (a user's token may
expire long before a large volume is read). Each piece of work runs only while the backup is
still in the status it was cast for, and once at a time (the agent's claims), as every other
piece of the agent's work.

An attached volume is read through a temporary backend snapshot (the backup's
``temp_snapshot_id``), so the backup is one point in time; a backup of a snapshot reads the
snapshot. The volume, or the snapshot, goes back to what it was before the backup's own outcome
is written, so a client that waits for the backup finds its volume free.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from nimbus.core.db.base import iso, utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.volume import constants, states
from nimbus.volume.agent.backup_store import BackupDataError, ChunkStore, Manifest, ObjectStore
from nimbus.volume.agent.work import VolumeWork, backup_key
from nimbus.volume.db import backups as db_backups
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes

LOG = logging.getLogger(__name__)
GIB = 1024 ** 3
Record = dict[str, Any]
# What a failure says in a backup's ``fail_reason`` when the volume backend failed (its own
# words may name paths and tools).
_DEVICE_FAILED = "The volume backend could not read the volume's data."
_WRITE_FAILED = "The volume backend could not write the backup's data into the volume."
_INTERRUPTED = "The volume service restarted while this backup was being made."


@dataclass
class _Source:
    """What a backup reads, as it was when its work began."""

    backup: Record
    volume: Record | None
    snapshot: Record | None
    # The parent's container and prefix, for an incremental backup.
    parent: tuple[str, str] | None
    # What a restore gives a volume back besides its data.
    volume_meta: dict[str, Any]


class BackupOps:
    def __init__(self, work: VolumeWork, objects: ObjectStore | None,
                 chunk_size: int = 8 * 1024 * 1024, pool_size: int = 2) -> None:
        self.work = work
        self.store = ChunkStore(objects, chunk_size) if objects is not None else None
        self.chunk_size = chunk_size
        self._pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="volume-backup")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    # -- the pool -----------------------------------------------------------------------------
    def submit(self, job: Callable[[], None], what: str) -> None:
        def run() -> None:
            try:
                job()
            except Exception:  # the work logs its own failures; this is a bug's last stop
                LOG.exception("%s failed", what)

        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(self._pool.submit(run))

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the work submitted so far (tests, and an orderly stop)."""
        with self._lock:
            pending = list(self._futures)
        wait(pending, timeout=timeout)

    def stop(self) -> None:
        """Drop the work not begun (the next start's reconciliation finds it); give what runs a
        moment to write its outcome."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.wait(timeout=2)

    def _store(self) -> ChunkStore:
        if self.store is None:
            raise BackupDataError("This volume host has no object store to keep backups in.")
        return self.store

    @contextmanager
    def _holding(self, backup_id: str, work: str, wait_for_it: bool = False) -> Iterator[bool]:
        with self.work.claims.holding(backup_key(backup_id), work, wait=wait_for_it) as mine:
            if not mine:
                LOG.info("backup %s: its %s is already in hand here; dropping the duplicate",
                         backup_id, work)
            yield mine

    def _backup(self, backup_id: str, expected: str, what: str) -> Record | None:
        with self.work.db.reader() as s:
            row = db_backups.find(s, backup_id)
            if row is None or row.status != expected:
                LOG.info("dropping the %s of backup %s: it is %s now", what, backup_id,
                         "gone" if row is None else row.status)
                return None
            return db_backups.record(row)

    # -- create -------------------------------------------------------------------------------
    def create(self, backup_id: str, request_id: str | None = None) -> None:
        with self._holding(backup_id, "create") as mine:
            if not mine:
                return
            source = self._creating(backup_id)
            if source is None:
                return
            manifest: Manifest | None = None
            fault, reason = constants.BACKUP_FAILED, ""
            try:
                manifest = self._write(source)
            except BackupDataError as exc:
                reason = exc.reason
            except Exception as exc:  # the backend's failure, in its own words: logged only
                LOG.warning("backup %s could not read its volume: %s", backup_id, exc)
                fault, reason = constants.BACKUP_DEVICE_FAILED, _DEVICE_FAILED
            finally:
                self._release(source)
            if manifest is None:
                self.work.finish_backup(backup_id, states.CREATING, states.ERROR, fault,
                                        request_id, fail_reason=reason[:255],
                                        temp_snapshot_id=None)
                self.work.emit("backup.create.error", {"backup_id": backup_id})
                return
            if self.work.finish_backup(backup_id, states.CREATING, states.AVAILABLE,
                                       object_count=int(manifest["objects"]),
                                       temp_snapshot_id=None):
                self.work.emit("backup.create.end", {"backup_id": backup_id,
                                                     "volume_id": source.backup["volume_id"]})

    def _creating(self, backup_id: str) -> _Source | None:
        with self.work.db.reader() as s:
            row = db_backups.find(s, backup_id)
            if row is None or row.status != states.CREATING:
                LOG.info("dropping the creation of backup %s: it is %s now", backup_id,
                         "gone" if row is None else row.status)
                return None
            vol = db_volumes.find(s, row.volume_id)
            snap = db_snapshots.find(s, row.snapshot_id) if row.snapshot_id else None
            parent = db_backups.find(s, row.parent_id) if row.parent_id else None
            return _Source(
                backup=db_backups.record(row),
                volume=records.driver_volume(vol) if vol is not None else None,
                snapshot=records.snapshot_record(snap) if snap is not None else None,
                parent=((str(parent.container), str(parent.service_metadata))
                        if parent is not None and parent.service_metadata else None),
                volume_meta={"metadata": dict(vol.metadata_ or {}) if vol else {},
                             "image_metadata": dict(vol.image_metadata or {}) if vol else {},
                             "bootable": bool(vol.bootable) if vol else False})

    def _write(self, src: _Source) -> Manifest:
        store = self._store()
        backup, volume = src.backup, src.volume
        if volume is None:
            raise BackupDataError("The volume is gone.")
        if backup["snapshot_id"] and src.snapshot is None:
            raise BackupDataError("The snapshot is gone.")
        parent = store.manifest(*src.parent) if src.parent else None
        header = {"backup_id": backup["id"], "volume_id": backup["volume_id"],
                  "snapshot_id": backup["snapshot_id"], "parent_id": backup["parent_id"],
                  "size": backup["size"], "created_at": iso(utcnow()),
                  "volume": src.volume_meta}
        container, prefix = str(backup["container"]), str(backup["service_metadata"])
        driver = self.work.driver
        if src.snapshot is not None:
            data = driver.read_snapshot(src.snapshot, volume, self.chunk_size)
            return store.write(container, prefix, data, parent, header)
        if not backup["temp_snapshot_id"]:
            return store.write(container, prefix, driver.read_volume(volume, self.chunk_size),
                               parent, header)
        # An attached volume changes while it is read: its temporary snapshot does not.
        temp = _temp_snapshot(backup, volume)
        driver.create_snapshot(temp, volume)
        try:
            return store.write(container, prefix,
                               driver.read_snapshot(temp, volume, self.chunk_size),
                               parent, header)
        finally:
            self._drop_temp(temp, volume)

    def _drop_temp(self, temp: Record, volume: Record) -> None:
        try:
            self.work.driver.delete_snapshot(temp, volume)
        except Exception as exc:  # left for the next start's reconciliation
            LOG.warning("the temporary snapshot %s of volume %s was not deleted: %s",
                        temp["id"], volume["id"], exc)

    def _release(self, src: _Source) -> None:
        """The volume (or the snapshot) back from ``backing-up``."""
        if src.backup["snapshot_id"]:
            self.work.finish_snapshot(src.backup["snapshot_id"], states.BACKING_UP,
                                      states.AVAILABLE)
        else:
            self.work.settle(src.backup["volume_id"], states.BACKING_UP)

    # -- restore ------------------------------------------------------------------------------
    def restore(self, backup_id: str, volume_id: str, new: bool,
                request_id: str | None = None) -> None:
        work = self.work
        with work.taking(volume_id, "restore", states.RESTORING_BACKUP, "restore") as volume, \
                self._holding(backup_id, "restore", wait_for_it=True):
            if volume is None:
                return
            backup = self._backup(backup_id, states.RESTORING, "restore")
            fields: dict[str, Any] = {}
            try:
                if backup is None or backup["restore_volume_id"] != volume_id:
                    raise BackupDataError("The backup is no longer being restored.")
                store = self._store()
                manifest = store.manifest(str(backup["container"]),
                                          str(backup["service_metadata"]))
                if int(manifest["length"]) > int(volume["size"]) * GIB:
                    raise BackupDataError("The backup is larger than the volume.")
                if new:
                    made = work.driver.create_volume(volume) or {}
                    fields.update({k: v for k, v in made.items() if k == "provider_location"})
                    fields["launched_at"] = utcnow()
                work.driver.write_volume(volume, store.read(manifest))
            except Exception as exc:
                LOG.warning("restoring backup %s into volume %s failed: %s", backup_id,
                            volume_id, exc)
                work.finish(volume_id, states.RESTORING_BACKUP, states.ERROR_RESTORING,
                            constants.RESTORE_FAILED, request_id, **fields)
                work.finish_backup(backup_id, states.RESTORING, states.AVAILABLE,
                                   restore_volume_id=None)
                return
            work.finish(volume_id, states.RESTORING_BACKUP, states.AVAILABLE,
                        **fields, **self._restored_meta(volume_id, manifest))
            work.finish_backup(backup_id, states.RESTORING, states.AVAILABLE,
                               restore_volume_id=None)
            work.emit("backup.restore.end", {"backup_id": backup_id, "volume_id": volume_id})

    def _restored_meta(self, volume_id: str, manifest: Manifest) -> dict[str, Any]:
        """The backed-up volume's metadata over the target's own, and its image metadata (a
        backup of a bootable volume restores a bootable one), as Cinder restores them."""
        saved = manifest.get("volume") or {}
        with self.work.db.reader() as s:
            row = db_volumes.find(s, volume_id)
            current = dict(row.metadata_ or {}) if row is not None else {}
        fields: dict[str, Any] = {"metadata_": {**current, **dict(saved.get("metadata") or {})}}
        if saved.get("image_metadata"):
            fields["image_metadata"] = dict(saved["image_metadata"])
        if saved.get("bootable"):
            fields["bootable"] = True
        return fields

    # -- delete -------------------------------------------------------------------------------
    def delete(self, backup_id: str, request_id: str | None = None) -> None:
        with self._holding(backup_id, "delete", wait_for_it=True) as mine:
            if not mine:
                return
            backup = self._backup(backup_id, states.DELETING, "deletion")
            if backup is None:
                return
            try:
                if backup["container"] and backup["service_metadata"]:
                    self._store().delete(str(backup["container"]),
                                         str(backup["service_metadata"]))
            except BackupDataError as exc:
                self.work.finish_backup(backup_id, states.DELETING, states.ERROR,
                                        constants.BACKUP_DELETE_FAILED, request_id,
                                        fail_reason=exc.reason[:255])
                return
            self._destroy(backup_id)
            self.work.emit("backup.delete.end", {"backup_id": backup_id})

    @retry_on_lock()
    def _destroy(self, backup_id: str) -> None:
        with self.work.db.writer() as s:
            row = db_backups.find(s, backup_id)
            if row is not None and row.status == states.DELETING:
                db_backups.remove(s, row)

    # -- import -------------------------------------------------------------------------------
    def import_record(self, backup_id: str, request_id: str | None = None) -> None:
        """An imported record names data in the object store: the backup is usable once its
        manifest is found there."""
        with self._holding(backup_id, "import") as mine:
            if not mine:
                return
            backup = self._backup(backup_id, states.CREATING, "import")
            if backup is None:
                return
            try:
                self._store().manifest(str(backup["container"]), str(backup["service_metadata"]))
            except BackupDataError as exc:
                self.work.finish_backup(backup_id, states.CREATING, states.ERROR,
                                        constants.BACKUP_FAILED, request_id,
                                        fail_reason=f"Import failed: {exc.reason}"[:255])
                return
            self.work.finish_backup(backup_id, states.CREATING, states.AVAILABLE)

    # -- what the agent's start-up reconciliation does ------------------------------------------
    def recover(self, in_hand: Callable[[str], bool],
                submit: Callable[[str, Callable[[], object], str], None],
                changed_before: dt.datetime | None, may_fail: bool) -> int:
        """Resume deletions; fail creations (and imports), as Cinder's backup service does at
        its start, dropping a temporary snapshot they left; a restore's backup is available
        again (its volume's ``restoring-backup`` the volume phase failed)."""
        with self.work.db.reader() as s:
            rows = [db_backups.record(r) for r in db_backups.of_host(
                s, self.work.host, {states.CREATING, states.RESTORING, states.DELETING},
                changed_before)]
        acted = 0
        for backup in rows:
            key = backup_key(backup["id"])
            if in_hand(key):
                continue
            if backup["status"] == states.DELETING:
                acted += 1
                LOG.info("backup %s was deleting when the volume service stopped: deleting it",
                         backup["id"])
                submit(key, partial(self.delete, backup["id"]), f"backup {backup['id']}")
            elif may_fail and backup["status"] == states.RESTORING:
                if self.work.finish_backup(backup["id"], states.RESTORING, states.AVAILABLE,
                                           restore_volume_id=None):
                    acted += 1
            elif may_fail and self.work.finish_backup(
                    backup["id"], states.CREATING, states.ERROR, constants.BACKUP_INTERRUPTED,
                    fail_reason=_INTERRUPTED, temp_snapshot_id=None):
                acted += 1
                LOG.info("backup %s was creating when the volume service stopped: set to "
                         "error", backup["id"])
                self._after_interrupted(backup)
        return acted

    def _after_interrupted(self, backup: Record) -> None:
        if backup["snapshot_id"]:
            self.work.finish_snapshot(backup["snapshot_id"], states.BACKING_UP, states.AVAILABLE)
        if backup["temp_snapshot_id"]:
            with self.work.db.reader() as s:
                vol = db_volumes.find(s, backup["volume_id"])
                volume = records.driver_volume(vol) if vol is not None else None
            if volume is not None:
                self._drop_temp(_temp_snapshot(backup, volume), volume)


def _temp_snapshot(backup: Record, volume: Record) -> Record:
    """The backend snapshot an attached volume is read through (never a snapshot row: it is the
    backup's own, and counts against no quota)."""
    snapshot_id = str(backup["temp_snapshot_id"])
    return {"id": snapshot_id, "volume_id": volume["id"], "name": f"snapshot-{snapshot_id}",
            "size": volume["size"], "project_id": volume["project_id"], "status": "creating"}
