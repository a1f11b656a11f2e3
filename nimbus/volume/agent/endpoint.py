"""The volume agent's RPC endpoint: one per storage host, it runs the driver and records the
outcome.

It serves RPC on topic ``volume`` as ``<host>@<backend>`` and heartbeats as ``cinder-volume`` so
the API can tell which backends are up. Every handler is idempotent (``work.py``): a message
for a volume that has moved on, or that this agent is already working on, is dropped, so a
message delivered again after a crash does no harm.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError
from nimbus.volume.agent.backup_ops import BackupOps
from nimbus.volume.agent.migrate_ops import MigrateOps
from nimbus.volume.agent.volume_ops import VolumeOps
from nimbus.volume.agent.work import Notify, VolumeWork
from nimbus.volume.db import records
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.drivers.base import VolumeDriver
from nimbus.volume.errors import VolumeNotFound
from nimbus.volume.rpcapi import RPC_VERSION


def _request_id(ctx: dict[str, Any]) -> str | None:
    value = ctx.get("request_id")
    return str(value) if value else None


class VolumeAgent:
    """RPC endpoint: every public method is callable over the bus."""

    RPC_VERSION = RPC_VERSION
    RPC_METHODS = frozenset({"create_volume", "delete_volume", "extend_volume",
                             "initialize_connection", "terminate_connection", "create_snapshot",
                             "delete_snapshot", "revert_to_snapshot", "copy_volume_to_image",
                             "create_backup", "restore_backup", "delete_backup",
                             "import_backup", "migrate_volume"})

    def __init__(self, database: Database, driver: VolumeDriver, host: str,
                 notify: Notify | None = None, work: VolumeWork | None = None,
                 ops: VolumeOps | None = None, backups: BackupOps | None = None,
                 migrations: MigrateOps | None = None) -> None:
        self.db = database
        self.driver = driver
        self.host = host
        self._work = work or VolumeWork(database, driver, host, notify)
        self._ops = ops or VolumeOps(self._work)
        # Without an object store, every backup this agent is asked for fails, saying so.
        self.backups = backups or BackupOps(self._work, None)
        # Alone, the agent's backend can move volumes only to itself: every move fails.
        self._migrations = migrations or MigrateOps(self._work, {host: self._work})

    def _load(self, volume_id: str) -> dict[str, Any] | None:
        with self.db.reader() as s:
            row = db_volumes.find(s, volume_id)
            return records.driver_volume(row) if row is not None else None

    # -- lifecycle ------------------------------------------------------------------------------
    def create_volume(self, ctx: dict[str, Any], volume_id: str) -> None:
        self._work.create(volume_id, _request_id(ctx))

    def delete_volume(self, ctx: dict[str, Any], volume_id: str) -> None:
        self._work.delete(volume_id, _request_id(ctx))

    def extend_volume(self, ctx: dict[str, Any], volume_id: str, new_size: int) -> None:
        self._ops.extend(volume_id, int(new_size), _request_id(ctx))

    def revert_to_snapshot(self, ctx: dict[str, Any], volume_id: str, snapshot_id: str) -> None:
        self._ops.revert(volume_id, snapshot_id, _request_id(ctx))

    def copy_volume_to_image(self, ctx: dict[str, Any], volume_id: str, image_id: str,
                             disk_format: str) -> None:
        self._ops.upload(volume_id, image_id, disk_format, _request_id(ctx))

    def migrate_volume(self, ctx: dict[str, Any], volume_id: str, dest_host: str,
                       new_type_id: str | None = None) -> None:
        self._migrations.migrate(volume_id, dest_host, new_type_id, _request_id(ctx))

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
    def create_snapshot(self, ctx: dict[str, Any], snapshot_id: str) -> None:
        self._work.create_snapshot(snapshot_id, _request_id(ctx))

    def delete_snapshot(self, ctx: dict[str, Any], snapshot_id: str) -> None:
        self._work.delete_snapshot(snapshot_id, _request_id(ctx))

    # -- backups: their data moves in the backup pool, never in an RPC worker -----------------
    def create_backup(self, ctx: dict[str, Any], backup_id: str) -> None:
        self.backups.submit(partial(self.backups.create, backup_id, _request_id(ctx)),
                            f"backup {backup_id}")

    def restore_backup(self, ctx: dict[str, Any], backup_id: str, volume_id: str,
                       new_volume: bool) -> None:
        self.backups.submit(partial(self.backups.restore, backup_id, volume_id,
                                    bool(new_volume), _request_id(ctx)),
                            f"restore of backup {backup_id}")

    def delete_backup(self, ctx: dict[str, Any], backup_id: str) -> None:
        self.backups.submit(partial(self.backups.delete, backup_id, _request_id(ctx)),
                            f"deletion of backup {backup_id}")

    def import_backup(self, ctx: dict[str, Any], backup_id: str) -> None:
        self.backups.submit(partial(self.backups.import_record, backup_id, _request_id(ctx)),
                            f"import of backup {backup_id}")
