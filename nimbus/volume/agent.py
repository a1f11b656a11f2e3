"""The volume agent: one per storage host, it runs the driver and records the outcome.

It serves RPC on topic ``volume`` as ``<host>@<backend>`` and heartbeats as ``cinder-volume`` so
the API can tell which backends are up. The API has already moved the volume into a transient
status (``creating``, ``deleting``, ``extending``); the agent moves it on to the final one, through
the same state machines. When the volume moved on meanwhile (an operator's reset, a forced
delete), the stale outcome is logged and dropped rather than written over the newer status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NimbusError
from nimbus.core.states import IllegalTransition, StateMachine
from nimbus.volume import states
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.drivers.base import VolumeDriver
from nimbus.volume.errors import VolumeNotFound
from nimbus.volume.rpcapi import RPC_VERSION

LOG = logging.getLogger(__name__)
Notify = Callable[[str, str, dict[str, Any]], Any]


def _moved(machine: StateMachine, row: Any, new: str) -> bool:
    """Move ``row`` to ``new``; False (logged) when its current status no longer leads there."""
    try:
        machine.move(row, new)
    except IllegalTransition as exc:
        LOG.warning("dropping a stale outcome: %s", exc.message)
        return False
    return True


class VolumeAgent:
    """RPC endpoint: every public method is callable over the bus."""

    RPC_VERSION = RPC_VERSION

    def __init__(self, database: Database, driver: VolumeDriver, host: str,
                 notify: Notify | None = None) -> None:
        self.db = database
        self.driver = driver
        self.host = host
        self._notify = notify

    def _emit(self, event: str, payload: dict[str, Any]) -> None:
        if self._notify is not None:
            self._notify(f"volume.{self.host}", event, payload)

    def _load(self, volume_id: str) -> dict[str, Any] | None:
        with self.db.reader() as s:
            row = db_volumes.find(s, volume_id)
            return records.driver_volume(row) if row is not None else None

    @retry_on_lock()
    def _finish(self, volume_id: str, status: str, **fields: Any) -> None:
        """Write the outcome of the driver's work: the new status and what came with it."""
        with self.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is None or not _moved(states.VOLUME_STATUS, row, status):
                return
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = utcnow()

    # -- lifecycle ------------------------------------------------------------------------------
    def create_volume(self, ctx: dict[str, Any], volume_id: str) -> None:
        volume = self._load(volume_id)
        if volume is None:
            return
        try:
            update = self.driver.create_volume(volume)
        except Exception as exc:  # any backend failure leaves the volume in error, never creating
            LOG.warning("creating volume %s failed: %s", volume_id, exc)
            self._finish(volume_id, states.ERROR)
            self._emit("volume.create.error", {"volume_id": volume_id, "reason": str(exc)})
            return
        fields = {k: v for k, v in (update or {}).items() if k in ("provider_location",)}
        self._finish(volume_id, states.AVAILABLE, launched_at=utcnow(), **fields)
        self._emit("volume.create.end", {"volume_id": volume_id, "size": volume["size"]})

    def delete_volume(self, ctx: dict[str, Any], volume_id: str) -> None:
        volume = self._load(volume_id)
        if volume is None:
            return
        try:
            for snapshot_id in self._snapshots_of(volume_id):
                self.delete_snapshot(ctx, snapshot_id)
            self.driver.delete_volume(volume)
        except Exception as exc:
            LOG.warning("deleting volume %s failed: %s", volume_id, exc)
            self._finish(volume_id, states.ERROR_DELETING)
            return
        self._destroy(volume_id)
        self._emit("volume.delete.end", {"volume_id": volume_id})

    def _snapshots_of(self, volume_id: str) -> list[str]:
        with self.db.reader() as s:
            return db_snapshots.ids_of_volume(s, volume_id)

    @retry_on_lock()
    def _destroy(self, volume_id: str) -> None:
        with self.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is not None:
                db_volumes.remove(s, row)

    def extend_volume(self, ctx: dict[str, Any], volume_id: str, new_size: int) -> None:
        volume = self._load(volume_id)
        if volume is None:
            return
        try:
            self.driver.extend_volume(volume, int(new_size))
        except Exception as exc:
            LOG.warning("extending volume %s failed: %s", volume_id, exc)
            self._finish(volume_id, states.ERROR_EXTENDING)
            return
        with self.db.reader() as s:
            row = db_volumes.find(s, volume_id)
            back = states.IN_USE if row and row.attach_status == states.ATTACHED else None
        self._finish(volume_id, back or states.AVAILABLE, size=int(new_size))
        self._emit("volume.resize.end", {"volume_id": volume_id, "size": new_size})

    # -- connections ----------------------------------------------------------------------------
    def initialize_connection(self, ctx: dict[str, Any], volume_id: str,
                              connector: dict[str, Any]) -> dict[str, Any]:
        volume = self._load(volume_id)
        if volume is None:
            raise VolumeNotFound(id=volume_id)
        try:
            info = self.driver.initialize_connection(volume, connector)
        except NimbusError:
            raise
        except Exception as exc:
            raise NimbusError(f"Unable to initialize the connection of volume {volume_id}: "
                              f"{exc}") from None
        info.setdefault("data", {})
        info["data"].setdefault("volume_id", volume_id)
        return info

    def terminate_connection(self, ctx: dict[str, Any], volume_id: str,
                             connector: dict[str, Any] | None) -> None:
        volume = self._load(volume_id)
        if volume is not None:
            self.driver.terminate_connection(volume, connector)

    # -- snapshots ------------------------------------------------------------------------------
    def _snapshot(self, snapshot_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        with self.db.reader() as s:
            snap = db_snapshots.find(s, snapshot_id)
            if snap is None:
                return None
            vol = db_volumes.find(s, snap.volume_id)
            if vol is None:
                return None
            return records.snapshot_record(snap), records.driver_volume(vol)

    @retry_on_lock()
    def _snapshot_finish(self, snapshot_id: str, status: str, **fields: Any) -> None:
        with self.db.writer() as s:
            row = db_snapshots.find(s, snapshot_id)
            if row is None or not _moved(states.SNAPSHOT_STATUS, row, status):
                return
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = utcnow()

    @retry_on_lock()
    def _snapshot_destroy(self, snapshot_id: str) -> None:
        with self.db.writer() as s:
            row = db_snapshots.find(s, snapshot_id)
            if row is not None:
                db_snapshots.remove(s, row)

    def create_snapshot(self, ctx: dict[str, Any], snapshot_id: str) -> None:
        found = self._snapshot(snapshot_id)
        if found is None:
            return
        try:
            self.driver.create_snapshot(*found)
        except Exception as exc:
            LOG.warning("snapshot %s failed: %s", snapshot_id, exc)
            self._snapshot_finish(snapshot_id, states.ERROR)
            return
        self._snapshot_finish(snapshot_id, states.AVAILABLE, progress="100%")

    def delete_snapshot(self, ctx: dict[str, Any], snapshot_id: str) -> None:
        found = self._snapshot(snapshot_id)
        if found is None:
            self._snapshot_destroy(snapshot_id)
            return
        try:
            self.driver.delete_snapshot(*found)
        except Exception as exc:
            LOG.warning("deleting snapshot %s failed: %s", snapshot_id, exc)
            self._snapshot_finish(snapshot_id, states.ERROR_DELETING)
            return
        self._snapshot_destroy(snapshot_id)
