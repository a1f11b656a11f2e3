"""Backup rules on the API side: create, restore, delete, update, reset, export and import.

Each checks and moves the backup (and its volume or snapshot) into its transient status under a
row lock, then casts the work to a volume agent (``agent/backup_ops.py``): the agent of the
volume's host reads or writes a volume; any agent that is up deletes a backup's data or checks an
imported one's. A backup belongs to the project of whoever made it (as in Cinder, an admin's
backup of another project's volume is the admin's), and counts against ``backups`` and
``backup_gigabytes``. ``project_id=None`` means "any project" (admins); otherwise another
project's backup is ``BackupNotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import ServiceUnavailable
from nimbus.core.registry import Registry
from nimbus.volume import states
from nimbus.volume.constants import AVAILABILITY_ZONES
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import backups as db_backups
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.backups import BackupFilters
from nimbus.volume.errors import InvalidBackup, InvalidInput, InvalidSnapshot, InvalidVolume
from nimbus.volume.manager import backup_records, hosts
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.manager.scheduler import Request, Scheduler
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.rpcapi import VolumeAgentAPI, server_of

Record = dict[str, Any]

__all__ = ["BackupFilters", "BackupManager"]


@dataclass
class NewVolume:
    """The volume a restore makes (the restore API's, or 3.47's volume from a backup)."""

    name: str | None
    description: str | None
    # None: the backup's size.
    size: int | None
    zone: str
    volume_type: Record
    metadata: dict[str, str]


def _no_agent() -> ServiceUnavailable:
    return ServiceUnavailable("Service cinder-backup could not be found.",
                              reason="no volume agent is up")


def _check_container(container: str) -> str:
    if "/" in container or not container.strip():
        raise InvalidInput(reason=f"Invalid backup container name {container!r}: it must not be "
                                  "empty or hold '/'.")
    return container


class BackupManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, quotas: QuotaManager,
                 registry: Registry, types: TypeManager, container: str,
                 scheduler: Scheduler) -> None:
        self.db = database
        self.scheduler = scheduler
        self.rpc = rpc
        self.quotas = quotas
        self.registry = registry
        self.types = types
        # Where a backup goes when its request names no container.
        self.container = container

    # -- reads ----------------------------------------------------------------------------------
    def get(self, backup_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return db_backups.records(s, [db_backups.get(s, backup_id, project_id)])[0]

    def listing(self, filters: BackupFilters, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_backups.listing(s, filters, query)
            return Page(db_backups.records(s, found.items), more=found.more,
                        previous=found.previous, sort=found.sort)

    def count(self, filters: BackupFilters) -> int:
        with self.db.reader() as s:
            return db_backups.count(s, filters)

    # -- create ---------------------------------------------------------------------------------
    def create(self, ctx: dict[str, Any], spec: dict[str, Any]) -> Record:
        """Record the backup as ``creating`` and cast it to the agent of the volume's host."""
        container = _check_container(str(spec.get("container") or self.container))
        zone = spec.get("availability_zone")
        if zone and zone not in self.scheduler.zones(ctx) | set(AVAILABILITY_ZONES):
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        record, host = self._insert(ctx, spec, container, zone)
        self.rpc.create_backup(ctx, host, record["id"])
        return record

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], spec: dict[str, Any], container: str,
                zone: str | None) -> tuple[Record, str]:
        project_id = str(ctx["project_id"])
        scope = None if ctx.get("all_projects") else project_id
        with self.db.writer() as s:
            volume = db_volumes.get(s, spec["volume_id"], scope, lock=True)
            snapshot = None
            if spec.get("snapshot_id"):
                snapshot = db_snapshots.get(s, spec["snapshot_id"], scope)
                if snapshot.volume_id != volume.id:
                    raise InvalidVolume(reason=f"Volume {volume.id} does not match with "
                                               f"snapshot.volume_id {snapshot.volume_id}.")
                if snapshot.status != states.AVAILABLE:
                    raise InvalidSnapshot(reason=f"Snapshot to be backed up must be available, "
                                                 f'but the current status is "{snapshot.status}".')
            elif volume.status not in (states.AVAILABLE, states.IN_USE):
                raise InvalidVolume(reason=f"Volume to be backed up must be available or in-use, "
                                           f'but the current status is "{volume.status}".')
            elif volume.status == states.IN_USE and not spec.get("force"):
                raise InvalidVolume(reason="Backing up an in-use volume must use the force flag.")
            if volume.encryption_key_id:
                raise InvalidVolume(reason=f"Volume {volume.id} is encrypted; backing up an "
                                           "encrypted volume is not supported.")
            if not volume.host:
                raise InvalidVolume(reason=f"Volume {volume.id} has no backend host.")
            self.quotas.check(s, project_id, backups=1, backup_gigabytes=volume.size)
            parent = None
            if spec.get("incremental"):
                # The newest data of the caller's own backups of the volume (for a snapshot,
                # older than the snapshot), as Cinder picks an incremental backup's parent.
                parent = db_backups.latest_of_volume(
                    s, volume.id, project_id, snapshot.created_at if snapshot else None)
                if parent is None:
                    raise InvalidBackup(reason="No backups available to do an incremental "
                                               "backup.")
            now = utcnow()
            temp_snapshot = None
            if snapshot is not None:
                states.SNAPSHOT_STATUS.move(snapshot, states.BACKING_UP)
                snapshot.updated_at = now
            else:
                if volume.status == states.IN_USE:
                    temp_snapshot = new_id()
                volume.previous_status = volume.status
                states.VOLUME_STATUS.move(volume, states.BACKING_UP)
                volume.updated_at = now
            backup_id = new_id()
            row = db_backups.insert(
                s, id=backup_id, project_id=project_id, user_id=ctx.get("user_id"),
                volume_id=volume.id, snapshot_id=snapshot.id if snapshot else None,
                parent_id=parent.id if parent else None, name=spec.get("name"),
                description=spec.get("description"),
                status=states.BACKUP_STATUS.start(states.CREATING), size=volume.size,
                object_count=0, availability_zone=zone or volume.availability_zone,
                container=container, service_metadata=db_backups.prefix_of(volume.id, backup_id),
                host=server_of(volume.host),
                data_timestamp=snapshot.created_at if snapshot else now,
                generation=db_backups.next_generation(s, volume.id),
                metadata_=dict(spec.get("metadata") or {}), temp_snapshot_id=temp_snapshot,
                created_at=now, updated_at=now)
            return db_backups.record(row), volume.host

    # -- update ---------------------------------------------------------------------------------
    @retry_on_lock()
    def update(self, backup_id: str, project_id: str | None, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_backups.get(s, backup_id, project_id)
            for key in ("name", "description"):
                if key in changes:
                    setattr(row, key, changes[key])
            if "metadata" in changes:
                row.metadata_ = dict(changes["metadata"] or {})
            row.updated_at = utcnow()
            return db_backups.records(s, [row])[0]

    # -- delete ---------------------------------------------------------------------------------
    def delete(self, ctx: dict[str, Any], backup_id: str, project_id: str | None,
               force: bool = False) -> None:
        host = self._mark_deleting(backup_id, project_id, force, hosts.up_backends(self.registry))
        self.rpc.delete_backup(ctx, host, backup_id)

    @retry_on_lock()
    def _mark_deleting(self, backup_id: str, project_id: str | None, force: bool,
                       agents: list[str]) -> str:
        with self.db.writer() as s:
            row = db_backups.get(s, backup_id, project_id, lock=True)
            if not force and row.status not in states.BACKUP_DELETABLE:
                raise InvalidBackup(reason="Backup status must be available or error")
            if db_backups.dependants(s, [row.id]):
                raise InvalidBackup(reason="Incremental backups exist for this backup.")
            # The data is in the object store: any agent deletes it, its own first.
            host = row.host if row.host in agents else (agents[0] if agents else None)
            if host is None:
                raise _no_agent()
            states.BACKUP_STATUS.move(row, states.DELETING)
            row.host = host
            row.updated_at = utcnow()
            return host

    # -- restore --------------------------------------------------------------------------------
    def restore(self, ctx: dict[str, Any], backup_id: str, project_id: str | None,
                volume_id: str | None, name: str | None) -> Record:
        """Into ``volume_id`` (available, at least as large), or a new volume of the backup's
        size made by the restore itself; the volume is ``restoring-backup`` until it is done."""
        new = None
        if volume_id is None:
            new = NewVolume(name if name is not None else f"restore_backup_{backup_id}",
                            "auto-created_from_restore_from_backup", None,
                            AVAILABILITY_ZONES[0], self.types.default(ctx.get("project_id")),
                            {})
        return self._restore(ctx, backup_id, project_id, volume_id, new)

    def create_volume(self, ctx: dict[str, Any], spec: dict[str, Any]) -> str:
        """A volume made from a backup (``backup_id``, 3.47): the backup restored into a new
        volume of the size asked for (at least the backup's); the new volume's id."""
        if spec.get("snapshot_id") or spec.get("source_volid") or \
                spec.get("imageRef") is not None:
            raise InvalidInput(reason="May specify only one of snapshot, imageRef, "
                                      "source_volume, backup")
        zone = spec.get("availability_zone") or AVAILABILITY_ZONES[0]
        if zone not in self.scheduler.zones(ctx) | set(AVAILABILITY_ZONES):
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        type_scope = None if "admin" in ctx.get("roles", []) else ctx.get("project_id")
        volume_type = (self.types.visible(spec["volume_type"], type_scope)
                       if spec.get("volume_type") else self.types.default(ctx.get("project_id")))
        new = NewVolume(spec.get("name"), spec.get("description"), spec.get("size"), zone,
                        volume_type, dict(spec.get("metadata") or {}))
        scope = None if ctx.get("all_projects") else ctx.get("project_id")
        return str(self._restore(ctx, str(spec["backup_id"]), scope, None, new)["volume_id"])

    def _restore(self, ctx: dict[str, Any], backup_id: str, project_id: str | None,
                 volume_id: str | None, new: NewVolume | None) -> Record:
        host = None
        if new is not None:
            # Outside the write transaction: the registry reads in its own session. A frozen
            # backend takes no new volume.
            with self.db.reader() as s:
                frozen = db_backends.frozen_hosts(s)
            host = self.scheduler.select(ctx, Request(
                size=int(new.size or 0), zone=new.zone, skip=frozen,
                specs=dict(new.volume_type.get("extra_specs") or {})))
        result, volume_host = self._begin_restore(ctx, backup_id, project_id, volume_id, new,
                                                  host)
        self.rpc.restore_backup(ctx, volume_host, backup_id, result["volume_id"],
                                new is not None)
        return result

    @retry_on_lock()
    def _begin_restore(self, ctx: dict[str, Any], backup_id: str, project_id: str | None,
                       volume_id: str | None, new: NewVolume | None,
                       host: str | None) -> tuple[Record, str]:
        now = utcnow()
        with self.db.writer() as s:
            backup = db_backups.get(s, backup_id, project_id, lock=True)
            if backup.status != states.AVAILABLE:
                raise InvalidBackup(reason="Backup status must be available")
            if new is not None:
                if host is None:
                    raise InvalidVolume(reason=f"Error while creating volume for restoring "
                                               f"backup {backup_id}: no volume backend is up.")
                if new.volume_type.get("encryption"):
                    raise InvalidVolume(reason="The volume type is encrypted; a backup is not "
                                               "restored into an encrypted volume.")
                size = int(new.size or backup.size)
                if size < backup.size:
                    raise InvalidInput(reason=f"Volume size '{size}'GB cannot be smaller than "
                                              f"the backup size {backup.size}GB.")
                owner = str(ctx["project_id"])
                self.quotas.check(s, owner, volumes=1, gigabytes=size)
                volume = db_volumes.insert(
                    s, project_id=owner, user_id=ctx.get("user_id"), name=new.name,
                    description=new.description, size=size,
                    status=states.VOLUME_STATUS.start(states.RESTORING_BACKUP),
                    attach_status=states.VOLUME_ATTACH_STATUS.start(states.DETACHED),
                    availability_zone=new.zone, volume_type_id=new.volume_type["id"],
                    host=host, metadata_=new.metadata, image_metadata={}, updated_at=now)
            else:
                volume = db_volumes.get(s, str(volume_id), project_id, lock=True)
                if volume.status != states.AVAILABLE:
                    raise InvalidVolume(reason="Volume to be restored to must be available")
                if backup.size > volume.size:
                    raise InvalidVolume(reason=f"volume size {volume.size} is too small to "
                                               f"restore backup of size {backup.size}.")
                if volume.encryption_key_id:
                    raise InvalidVolume(reason=f"Volume {volume.id} is encrypted; a backup is "
                                               "not restored into an encrypted volume.")
                if not volume.host:
                    raise InvalidVolume(reason=f"Volume {volume.id} has no backend host.")
                states.VOLUME_STATUS.move(volume, states.RESTORING_BACKUP)
                volume.updated_at = now
            states.BACKUP_STATUS.move(backup, states.RESTORING)
            backup.restore_volume_id = volume.id
            backup.updated_at = now
            return ({"backup_id": backup.id, "volume_id": volume.id, "volume_name": volume.name},
                    str(volume.host))

    # -- admin actions --------------------------------------------------------------------------
    @retry_on_lock()
    def reset_status(self, backup_id: str, status: str) -> None:
        """An operator's override (available or error), whatever the backup was doing: work
        still running for it finds it moved on and drops its outcome."""
        with self.db.writer() as s:
            row = db_backups.get(s, backup_id, lock=True)
            states.BACKUP_STATUS_RESET.move(row, status)
            row.updated_at = utcnow()

    # -- export and import ----------------------------------------------------------------------
    def export(self, backup_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            row = db_backups.get(s, backup_id, project_id)
            if row.status != states.AVAILABLE:
                raise InvalidBackup(reason=f"Backup status must be available and not "
                                           f"{row.status}.")
            return backup_records.export(row)

    def import_record(self, ctx: dict[str, Any], service: str, url: str) -> Record:
        """A backup record (an export's) back as a backup of the caller's project, ``creating``
        until an agent has found its data in the object store."""
        fields = backup_records.parse(service, url)
        agents = hosts.up_backends(self.registry)
        if not agents:
            raise _no_agent()
        record = self._insert_import(ctx, fields, agents[0])
        self.rpc.import_backup(ctx, agents[0], record["id"])
        return record

    @retry_on_lock()
    def _insert_import(self, ctx: dict[str, Any], fields: dict[str, Any], host: str) -> Record:
        project_id = str(ctx["project_id"])
        now = utcnow()
        with self.db.writer() as s:
            if db_backups.find(s, fields["id"]) is not None:
                raise InvalidBackup(reason="Backup already exists in database.")
            self.quotas.check(s, project_id, backups=1, backup_gigabytes=fields["size"])
            row = db_backups.insert(
                s, **fields, project_id=project_id, user_id=ctx.get("user_id"),
                status=states.BACKUP_STATUS.start(states.CREATING), host=host,
                created_at=now, updated_at=now)
            return db_backups.record(row)
