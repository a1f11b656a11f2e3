"""The agent's work on its backend and the outcome written back, each piece idempotent.

The API has moved a volume or snapshot into a transient status (``creating``, ``deleting``,
``extending``) before casting the work; the work moves it on to the final one, through the state
machines. A piece of work runs only while its resource still is in the status it was cast for,
and only once at a time on this agent: a message delivered again after a crash, or work the
start-up reconciliation already took, finds the resource busy or moved on and is dropped with an
INFO line. A failure leaves the resource in its error status with a user message that says what
happened (``db/messages.py``), never a backend's own words.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.states import StateMachine
from nimbus.volume import constants, states
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import backups as db_backups
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.drivers.base import VolumeDriver
from nimbus.volume.errors import AttachmentNotFound, VolumeBackendError, VolumeNotFound

LOG = logging.getLogger(__name__)
Notify = Callable[[str, str, dict[str, Any]], Any]
Fault = tuple[str, str]


class SourceGone(Exception):
    """The snapshot or volume a new volume was to be made from no longer exists."""


class Claims:
    """The resources this agent is working on, and what it does to each.

    The same work on a resource already in hand is a duplicate (a message delivered again, or
    work the reconciliation took): it is refused at once. Other work on that resource waits for
    it (a deletion arriving while a creation runs), so one resource's backend work runs one
    piece at a time and the second finds the status the first left.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held: dict[str, str] = {}

    def busy(self, key: str) -> bool:
        with self._cond:
            return key in self._held

    @contextmanager
    def holding(self, key: str, work: str, wait: bool = False) -> Iterator[bool]:
        """True while this thread holds ``key`` for ``work``; False at once when the same work
        is in hand elsewhere, unless ``wait``, which waits for it to end."""
        with self._cond:
            while key in self._held:
                if self._held[key] == work and not wait:
                    break
                self._cond.wait()
            taken = key not in self._held
            if taken:
                self._held[key] = work
        if not taken:
            yield False
            return
        try:
            yield True
        finally:
            with self._cond:
                self._held.pop(key, None)
                self._cond.notify_all()


def snapshot_key(snapshot_id: str) -> str:
    return f"snapshot:{snapshot_id}"


def backup_key(backup_id: str) -> str:
    return f"backup:{backup_id}"


def _settle(s: Session, row: Any, resource_id: str, what: str, machine: StateMachine,
            resource_type: str, expected: str, status: str, fault: Fault | None,
            request_id: str | None, fields: dict[str, Any]) -> bool:
    """Move ``row`` from ``expected`` to ``status`` with ``fields`` (and, for a failure, the
    user message ``fault``); False, writing nothing, once it has moved on."""
    if row is None or row.status != expected:
        LOG.info("dropping the outcome %s of %s %s: it is %s now", status, what, resource_id,
                 "gone" if row is None else row.status)
        return False
    machine.move(row, status)
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    if fault is not None:
        db_messages.record(s, project_id=row.project_id, resource_type=resource_type,
                           resource_uuid=row.id, fault=fault, request_id=request_id)
    return True


class ImageSource(Protocol):
    def download(self, image_id: str) -> Iterable[bytes]: ...


class VolumeWork:
    def __init__(self, database: Database, driver: VolumeDriver, host: str,
                 notify: Notify | None = None, images: ImageSource | None = None) -> None:
        self.db = database
        self.driver = driver
        # Where an image's data comes from, for a backend that copies images into volumes.
        self.images = images
        self.host = host
        self._notify = notify
        self.claims = Claims()

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        if self._notify is not None:
            self._notify(f"volume.{self.host}", event, payload)

    @contextmanager
    def taking(self, volume_id: str, work: str, expected: str,
               what: str) -> Iterator[dict[str, Any] | None]:
        """The volume for ``work`` (``create``, ``extend``...), held by this agent while the
        block runs; None (logged) when the same work is already in hand here, or once the
        volume is gone or no longer ``expected``."""
        with self.claims.holding(volume_id, work) as mine:
            if not mine:
                LOG.info("volume %s: its %s is already in hand here; dropping the duplicate",
                         volume_id, what)
                yield None
                return
            yield self.pending(volume_id, expected, what)

    # -- reading and writing the outcome ------------------------------------------------------
    def pending(self, volume_id: str, expected: str, what: str) -> dict[str, Any] | None:
        """The volume as the driver sees it, while it is still ``expected``; None (logged) once
        it is gone or has moved on."""
        with self.db.reader() as s:
            row = db_volumes.find(s, volume_id)
            if row is None or row.status != expected:
                LOG.info("dropping the %s of volume %s: it is %s now", what, volume_id,
                         "gone" if row is None else row.status)
                return None
            return {**records.driver_volume(row), "snapshot_id": row.snapshot_id,
                    "source_volid": row.source_volid, "attach_status": row.attach_status,
                    "image": dict(row.image_metadata or {})}

    @retry_on_lock()
    def finish(self, volume_id: str, expected: str, status: str, fault: Fault | None = None,
               request_id: str | None = None, **fields: Any) -> bool:
        """Move the volume from ``expected`` to ``status`` with ``fields`` (and, for a failure,
        the user message ``fault``); False, writing nothing, once it has moved on."""
        with self.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            done = _settle(s, row, volume_id, "volume", states.VOLUME_STATUS,
                           constants.RESOURCE_VOLUME, expected, status, fault, request_id, fields)
            if done and row is not None:
                # A group being made or deleted follows its volumes.
                db_groups.settle_group(s, row.group_id)
            return done

    @retry_on_lock()
    def _destroy(self, volume_id: str) -> None:
        with self.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is None:
                return
            if row.status != states.DELETING:
                LOG.info("keeping volume %s: it is %s now, no longer deleting", volume_id,
                         row.status)
                return
            db_volumes.remove(s, row)
            db_groups.settle_group(s, row.group_id)

    @retry_on_lock()
    def record_message(self, volume_id: str, fault: Fault, request_id: str | None) -> None:
        """A user message about a volume whose status the work has already settled."""
        with self.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is not None:
                db_messages.record(s, project_id=row.project_id,
                                   resource_type=constants.RESOURCE_VOLUME, resource_uuid=row.id,
                                   fault=fault, request_id=request_id)

    @retry_on_lock()
    def finish_snapshot(self, snapshot_id: str, expected: str, status: str,
                        fault: Fault | None = None, request_id: str | None = None,
                        **fields: Any) -> bool:
        with self.db.writer() as s:
            row = db_snapshots.find(s, snapshot_id)
            done = _settle(s, row, snapshot_id, "snapshot", states.SNAPSHOT_STATUS,
                           constants.RESOURCE_SNAPSHOT, expected, status, fault, request_id,
                           fields)
            if done and row is not None:
                db_groups.settle_group_snapshot(s, row.group_snapshot_id)
            return done

    @retry_on_lock()
    def finish_backup(self, backup_id: str, expected: str, status: str,
                      fault: Fault | None = None, request_id: str | None = None,
                      **fields: Any) -> bool:
        with self.db.writer() as s:
            return _settle(s, db_backups.find(s, backup_id), backup_id, "backup",
                           states.BACKUP_STATUS, constants.RESOURCE_BACKUP, expected, status,
                           fault, request_id, fields)

    @retry_on_lock()
    def _destroy_snapshot(self, snapshot_id: str) -> None:
        with self.db.writer() as s:
            row = db_snapshots.find(s, snapshot_id)
            if row is not None and row.status == states.DELETING:
                db_snapshots.remove(s, row)
                db_groups.settle_group_snapshot(s, row.group_snapshot_id)

    # -- volumes --------------------------------------------------------------------------------
    def create(self, volume_id: str, request_id: str | None = None) -> None:
        with self.taking(volume_id, "create", states.CREATING, "creation") as volume:
            if volume is None:
                return
            try:
                update = self._make(volume)
            except SourceGone:
                LOG.info("volume %s cannot be created: its source is gone", volume_id)
                self.finish(volume_id, states.CREATING, states.ERROR,
                            constants.CREATE_SOURCE_GONE, request_id)
                self.emit("volume.create.error", {"volume_id": volume_id,
                                                   "reason": "source gone"})
                return
            except Exception as exc:  # any backend failure leaves the volume in error
                LOG.warning("creating volume %s failed: %s", volume_id, exc)
                self.finish(volume_id, states.CREATING, states.ERROR, constants.CREATE_FAILED,
                            request_id)
                self.emit("volume.create.error", {"volume_id": volume_id, "reason": str(exc)})
                return
            fields = {k: v for k, v in (update or {}).items() if k in ("provider_location",)}
            if self.finish(volume_id, states.CREATING, states.AVAILABLE, launched_at=utcnow(),
                           **fields):
                self.emit("volume.create.end", {"volume_id": volume_id, "size": volume["size"]})

    def _make(self, volume: dict[str, Any]) -> dict[str, Any]:
        """The driver's create for ``volume``: blank, from its snapshot or from its source."""
        if volume["snapshot_id"]:
            with self.db.reader() as s:
                snap = db_snapshots.find(s, volume["snapshot_id"])
                record = records.snapshot_record(snap) if snap is not None else None
            if record is None or record["status"] != states.AVAILABLE:
                raise SourceGone()
            return self.driver.create_volume_from_snapshot(volume, record)
        if volume["source_volid"]:
            with self.db.reader() as s:
                src = db_volumes.find(s, volume["source_volid"])
                source = records.driver_volume(src) if src is not None else None
            if source is None:
                raise SourceGone()
            return self.driver.create_cloned_volume(volume, source)
        image = volume.get("image") or {}
        if image.get("image_id") and self.driver.copies_images and self.images is not None:
            record = {"id": image["image_id"], **image}
            return self.driver.copy_image_to_volume(
                volume, record, self.images.download(str(image["image_id"])))
        return self.driver.create_volume(volume)

    def delete(self, volume_id: str, request_id: str | None = None) -> None:
        with self.taking(volume_id, "delete", states.DELETING, "deletion") as volume:
            if volume is None:
                return
            try:
                for snapshot_id in self._snapshots_of(volume_id):
                    self.delete_snapshot(snapshot_id, request_id, wait=True)
                if self._snapshots_of(volume_id):
                    raise VolumeBackendError(reason="a snapshot of the volume is left")
                self.driver.delete_volume(volume)
            except Exception as exc:
                LOG.warning("deleting volume %s failed: %s", volume_id, exc)
                self.finish(volume_id, states.DELETING, states.ERROR_DELETING,
                            constants.DELETE_FAILED, request_id)
                return
            self._destroy(volume_id)
            self.emit("volume.delete.end", {"volume_id": volume_id})

    def _snapshots_of(self, volume_id: str) -> list[str]:
        with self.db.reader() as s:
            return db_snapshots.ids_of_volume(s, volume_id)

    # -- snapshots ------------------------------------------------------------------------------
    def _snapshot(self, snapshot_id: str, expected: str, what: str
                  ) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """(snapshot, its volume) while the snapshot is still ``expected``; None (logged) once it
        is gone or has moved on."""
        with self.db.reader() as s:
            snap = db_snapshots.find(s, snapshot_id)
            if snap is None or snap.status != expected:
                LOG.info("dropping the %s of snapshot %s: it is %s now", what, snapshot_id,
                         "gone" if snap is None else snap.status)
                return None
            vol = db_volumes.find(s, snap.volume_id)
            return (records.snapshot_record(snap),
                    records.driver_volume(vol) if vol is not None else None)

    def create_snapshot(self, snapshot_id: str, request_id: str | None = None) -> None:
        with self.claims.holding(snapshot_key(snapshot_id), "create") as mine:
            if not mine:
                LOG.info("snapshot %s is already being taken here; dropping the duplicate",
                         snapshot_id)
                return
            found = self._snapshot(snapshot_id, states.CREATING, "creation")
            if found is None:
                return
            snap, volume = found
            try:
                if volume is None:
                    raise VolumeBackendError(reason="the volume is gone")
                self.driver.create_snapshot(snap, volume)
            except Exception as exc:
                LOG.warning("snapshot %s failed: %s", snapshot_id, exc)
                self.finish_snapshot(snapshot_id, states.CREATING, states.ERROR,
                                     constants.SNAPSHOT_FAILED, request_id)
                return
            self.finish_snapshot(snapshot_id, states.CREATING, states.AVAILABLE,
                                 progress="100%")

    def delete_snapshot(self, snapshot_id: str, request_id: str | None = None,
                        wait: bool = False) -> None:
        with self.claims.holding(snapshot_key(snapshot_id), "delete", wait=wait) as mine:
            if not mine:
                LOG.info("snapshot %s is already being deleted here; dropping the duplicate",
                         snapshot_id)
                return
            found = self._snapshot(snapshot_id, states.DELETING, "deletion")
            if found is None:
                return
            snap, volume = found
            try:
                if volume is not None:
                    self.driver.delete_snapshot(snap, volume)
            except Exception as exc:
                LOG.warning("deleting snapshot %s failed: %s", snapshot_id, exc)
                self.finish_snapshot(snapshot_id, states.DELETING, states.ERROR_DELETING,
                                     constants.SNAPSHOT_DELETE_FAILED, request_id)
                return
            self._destroy_snapshot(snapshot_id)

    # -- what the reconciliation writes -------------------------------------------------------
    @retry_on_lock()
    def settle(self, volume_id: str, expected: str) -> tuple[str, str] | None:
        """Put the volume, while still ``expected``, back to what its attachments say; the
        new (status, attach_status), or None once it has moved on."""
        with self.db.writer() as s:
            try:
                row = db_volumes.get(s, volume_id, lock=True)
            except VolumeNotFound:
                return None
            if row.status != expected:
                return None
            live = db_attachments.live(s, row.id)
            attached = len([a for a in live if a.attach_status == states.ATTACHED])
            status, attach_status = states.settled(attached, len(live) - attached)
            states.VOLUME_STATUS.move(row, status)
            states.VOLUME_ATTACH_STATUS.move(row, attach_status)
            row.updated_at = utcnow()
            return status, attach_status

    @retry_on_lock()
    def roll_back_attachment(self, attachment_id: str, expected: str, status: str) -> bool:
        """Move the attachment from ``expected`` back to ``status``; False once it moved on."""
        with self.db.writer() as s:
            try:
                row = db_attachments.get(s, attachment_id)
            except AttachmentNotFound:
                return False
            if row.attach_status != expected:
                return False
            states.ATTACHMENT_STATUS.move(row, status)
            row.updated_at = utcnow()
            return True

    @retry_on_lock()
    def place(self, volume_id: str) -> str | None:
        """Take an unplaced ``creating`` volume for this agent's backend; its new host, or None
        when another agent took it first."""
        pool = self.host.split("@", 1)[1] if "@" in self.host else self.host
        host = f"{self.host}#{pool}"
        with self.db.writer() as s:
            return host if db_volumes.place(s, volume_id, host, states.CREATING) else None

