"""Volume rules on the API side: creation, listing, update and deletion.

A manager never sees HTTP. ``project_id=None`` means "any project" (admins and service users);
otherwise a volume of another project is ``VolumeNotFound``, as Cinder answers.
"""

from __future__ import annotations

import ast
import contextlib
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.registry import Registry
from nimbus.volume import states
from nimbus.volume.constants import AVAILABILITY_ZONES, NO_BACKEND, RESOURCE_VOLUME
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.volumes import VolumeFilters
from nimbus.volume.errors import (
    BackupNotFound,
    InvalidInput,
    InvalidVolume,
    SnapshotNotFound,
    VolumeNotFound,
)
from nimbus.volume.manager import extra_specs, hosts, scheduler
from nimbus.volume.manager.images import Images
from nimbus.volume.manager.keys import KeyStore
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.manager.scheduler import Scheduler
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]

__all__ = ["VolumeFilters", "VolumeManager", "filters_from"]


def parse_metadata_filter(text: str) -> dict[str, str]:
    """The ``metadata`` query filter: a Python/JSON dict literal, as the clients send it."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise InvalidInput(reason=f"Invalid metadata filter: {text}") from None
    if not isinstance(value, dict):
        raise InvalidInput(reason=f"Invalid metadata filter: {text}")
    wanted = {str(k): str(v) for k, v in value.items()}
    # The filter runs as a JSON path in SQL, where a key cannot hold a quote or a backslash.
    if any('"' in k or "\\" in k for k in wanted):
        raise InvalidInput(reason=f"Invalid metadata filter: {text}")
    return wanted


def filters_from(project_id: str | None, query: dict[str, str]) -> VolumeFilters:
    """A listing's filters from its query parameters (those it does not know are ignored)."""
    bootable = query.get("bootable")
    return VolumeFilters(
        project_id=project_id,
        name=query.get("name") or query.get("display_name"),
        status=query.get("status"),
        availability_zone=query.get("availability_zone"),
        id=query.get("id"),
        user_id=query.get("user_id"),
        bootable=None if bootable is None else bootable.lower() in ("true", "1"),
        owner=query.get("project_id") if project_id is None else None,
        metadata=parse_metadata_filter(query["metadata"]) if query.get("metadata") else {},
    )


class VolumeManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, types: TypeManager,
                 quotas: QuotaManager, registry: Registry, images: Images,
                 scheduler: Scheduler, keys: KeyStore | None = None) -> None:
        self.db = database
        self.scheduler = scheduler
        self.keys = keys
        self.rpc = rpc
        self.types = types
        self.quotas = quotas
        self.registry = registry
        self.images = images

    # -- reads ----------------------------------------------------------------------------------
    def get(self, volume_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            row = db_volumes.get(s, volume_id, project_id)
            return records.volume_records(s, [row])[0]

    def listing(self, filters: VolumeFilters, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_volumes.listing(s, filters, query)
            return Page(records.volume_records(s, found.items), more=found.more,
                        previous=found.previous, sort=found.sort)

    def count(self, filters: VolumeFilters) -> int:
        with self.db.reader() as s:
            return db_volumes.count(s, filters)

    def summary(self, project_id: str, with_metadata: bool) -> dict[str, Any]:
        """Cinder's volume summary: how many, how big, and (3.36) every metadata value."""
        with self.db.reader() as s:
            number, size = db_volumes.totals(s, project_id)
            body: dict[str, Any] = {"total_size": size, "total_count": number}
            if with_metadata:
                merged: dict[str, list[str]] = {}
                for metadata in db_volumes.metadata_of(s, project_id):
                    for key, value in metadata.items():
                        values = merged.setdefault(key, [])
                        if value not in values:
                            values.append(value)
                body["metadata"] = merged
            return body

    # -- create ---------------------------------------------------------------------------------
    def create(self, ctx: dict[str, Any], spec: dict[str, Any],
               token: str | None = None, nova_images: bool = False) -> Record:
        """Record the volume as ``creating`` and cast its creation to the chosen agent.

        Everything the request names is checked as the caller before anything is written: the
        image through the image service with the caller's ``token``, the snapshot or source
        volume as theirs (or any project's for admins and service users), the quota. A refusal
        leaves nothing behind. With ``nova_images`` (3.46+), an image that is compute's
        snapshot of a volume-backed server makes the volume from the volume snapshot it names.
        """
        if nova_images and spec.get("imageRef") is not None:
            spec = self._from_nova_image(ctx, spec, token)
        zone = spec.get("availability_zone") or AVAILABILITY_ZONES[0]
        if zone not in self.scheduler.zones(ctx) | set(AVAILABILITY_ZONES):
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        # An empty ``imageRef`` names an image too (one that does not exist), as in Cinder.
        sources = [spec.get("snapshot_id"), spec.get("source_volid"), spec.get("backup_id"),
                   spec.get("imageRef") is not None]
        if len([source for source in sources if source]) > 1:
            raise InvalidInput(reason="May specify only one of snapshot, imageRef, "
                                      "source_volume, backup")
        if spec.get("backup_id"):
            # A volume from a backup is the backup's restore (``BackupManager.create_volume``,
            # which the API calls instead): no backup reaches here.
            raise BackupNotFound(id=spec["backup_id"])
        # A private type is there only for admins and the projects given it; a volume named
        # no type gets its project's default (3.62), else the cloud's.
        type_scope = None if "admin" in ctx.get("roles", []) else ctx.get("project_id")
        volume_type = (self.types.visible(spec["volume_type"], type_scope)
                       if spec.get("volume_type")
                       else self._source_type(ctx, spec) or self.types.default(
                           ctx.get("project_id")))
        image_metadata: dict[str, str] = {}
        if spec.get("imageRef") is not None:
            # A remote call: outside any transaction, as the caller.
            image_metadata = self.images.resolve(str(spec["imageRef"]), token,
                                                 ctx.get("project_id"), spec.get("size"))
        # Outside the write transaction: the registry reads in its own session.
        host = self._host_for(ctx, spec, volume_type, zone)
        # Cinder makes a volume multiattach through its type's ``multiattach="<is> True"``.
        if extra_specs.is_multiattach(volume_type.get("extra_specs")):
            spec = {**spec, "multiattach": True}
        record = self._insert(ctx, spec, zone, volume_type, host, image_metadata)
        if record["host"]:
            self.rpc.create_volume(ctx, record["host"], record["id"])
        return record

    def _host_for(self, ctx: dict[str, Any], spec: dict[str, Any], volume_type: Record,
                  zone: str) -> str | None:
        """Where the new volume lives: its group's backend (3.13, while that is up), else the
        scheduler's choice among the backends that are up and not frozen. A clone or a volume
        from a snapshot stays on its source's backend, which copies the data."""
        with self.db.reader() as s:
            skip = db_backends.frozen_hosts(s)
            if spec.get("group_id"):
                group = self._group(s, ctx, spec, volume_type)
                host = group.host
                up = db_backends.backend_of(host) in hosts.up_backends(self.registry)
                return host if up else None
            only = self._source_host(s, ctx, spec)
        request = scheduler.Request(size=int(spec.get("size") or 0), zone=zone,
                                    specs=dict(volume_type.get("extra_specs") or {}),
                                    only=only, skip=skip)
        return self.scheduler.select(ctx, request)

    def _source_host(self, s: Any, ctx: dict[str, Any], spec: dict[str, Any]) -> str | None:
        """The backend of the snapshot or volume a new volume copies (None: no source, or one
        that is refused where the volume is written)."""
        try:
            if spec.get("snapshot_id"):
                snap = db_snapshots.get(s, spec["snapshot_id"], self._scope(ctx))
                source = db_volumes.find(s, snap.volume_id)
            elif spec.get("source_volid"):
                source = db_volumes.get(s, spec["source_volid"], self._scope(ctx))
            else:
                return None
        except (SnapshotNotFound, VolumeNotFound):
            return None
        return source.host if source is not None and source.host else None

    def _group(self, s: Any, ctx: dict[str, Any], spec: dict[str, Any],
               volume_type: Record) -> Any:
        """The group a volume is created into, as Cinder checks it: the volume names a type,
        one the group allows, and the group is available on a backend that is not frozen."""
        group = db_groups.get(s, spec["group_id"], self._scope(ctx))
        if not spec.get("volume_type"):
            raise InvalidInput(reason="volume_type must be provided when creating a volume in "
                                      "a group.")
        if volume_type["id"] not in db_groups.volume_types_of(s, [group.id])[group.id]:
            raise InvalidInput(reason=f"Invalid volume_type provided: {spec['volume_type']} "
                                      f"(requested type must be supported by this group).")
        if group.status != states.AVAILABLE:
            raise InvalidInput(reason=f"Group {group.id} status must be available, but current "
                                      f"status is: {group.status}")
        db_backends.assert_not_frozen(s, group.host)
        return group

    def _from_nova_image(self, ctx: dict[str, Any], spec: dict[str, Any],
                         token: str | None) -> dict[str, Any]:
        snapshot_id = self.images.boot_snapshot(str(spec["imageRef"]), token,
                                                ctx.get("project_id"))
        if snapshot_id is None:
            return spec
        with self.db.reader() as s:
            try:
                db_snapshots.get(s, snapshot_id, self._scope(ctx))
            except SnapshotNotFound:
                raise InvalidInput(reason=f"Nova specific image is found, but boot volume "
                                          f"snapshot id:{snapshot_id} not found.") from None
        return {**{k: v for k, v in spec.items() if k != "imageRef"}, "snapshot_id": snapshot_id}

    def _source_type(self, ctx: dict[str, Any], spec: dict[str, Any]) -> Record | None:
        """A copy made without a type takes its source's, as in Cinder (so an encrypted
        volume's copy is encrypted too)."""
        if not (spec.get("snapshot_id") or spec.get("source_volid")):
            return None
        with self.db.reader() as s:
            try:
                if spec.get("snapshot_id"):
                    snap = db_snapshots.get(s, spec["snapshot_id"], self._scope(ctx))
                    source = db_volumes.find(s, snap.volume_id)
                else:
                    source = db_volumes.get(s, spec["source_volid"], self._scope(ctx))
            except (SnapshotNotFound, VolumeNotFound):
                return None  # named again, and refused, where the volume is written
            type_id = source.volume_type_id if source is not None else None
        return self.types.get(type_id) if type_id else None

    def _key_for(self, s: Any, project_id: str, volume_type: Record,
                 source_key: str | None, has_source: bool) -> str | None:
        """The new volume's key: a copy of its source's, or a new one, when its type is
        encrypted. A copy keeps its source's bytes, so both must be encrypted or neither."""
        encrypted = bool(volume_type.get("encryption"))
        if has_source and encrypted != bool(source_key):
            raise InvalidInput(reason="The new volume's type must be encrypted exactly when "
                                      "its source is: an encrypted source's copy holds "
                                      "encrypted data, and a plain source's plain data.")
        if not encrypted:
            return None
        if self.keys is None:
            raise InvalidInput(reason="This cloud has no key store for encrypted volumes.")
        if source_key:
            return self.keys.clone(s, source_key, project_id)
        return self.keys.create(s, project_id)

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], spec: dict[str, Any], zone: str,
                volume_type: Record, host: str | None, image_metadata: dict[str, str]) -> Record:
        project_id = str(ctx["project_id"])
        size = spec.get("size")
        source_key: str | None = None
        with self.db.writer() as s:
            if spec.get("snapshot_id"):
                snap = db_snapshots.get(s, spec["snapshot_id"], self._scope(ctx))
                # What the volume was made from carries over (Cinder copies its image
                # metadata), so a server booted from the copy knows its image.
                with contextlib.suppress(VolumeNotFound):
                    image_metadata = dict(db_volumes.get(s, snap.volume_id).image_metadata or {})
                if snap.status != states.AVAILABLE:
                    raise InvalidInput(reason=f"Snapshot {snap.id} status must be available.")
                size = size or snap.size
                source_key = snap.encryption_key_id
                if size < snap.size:
                    raise InvalidInput(reason=f"Volume size '{size}'GB cannot be smaller than "
                                              f"the snapshot size {snap.size}GB.")
            if spec.get("source_volid"):
                source = db_volumes.get(s, spec["source_volid"], self._scope(ctx))
                image_metadata = dict(source.image_metadata or {})
                if source.status not in (states.AVAILABLE, states.IN_USE):
                    raise InvalidVolume(reason=f"Source volume {source.id} status must be "
                                               f"available or in-use, but the current status is "
                                               f"{source.status}.")
                size = size or source.size
                source_key = source.encryption_key_id
                if size < source.size:
                    raise InvalidInput(reason=f"Volume size '{size}'GB cannot be smaller than "
                                              f"the source volume size {source.size}GB.")
            if not size:
                raise InvalidInput(reason="Volume size must be specified.")
            if spec.get("group_id"):
                # Again where the row is written: the group may have gone meanwhile.
                self._group(s, ctx, spec, volume_type)
            self.quotas.check(s, project_id, volumes=1, gigabytes=size,
                              volume_type=volume_type["name"])
            key_id = self._key_for(s, project_id, volume_type, source_key,
                                   bool(spec.get("snapshot_id") or spec.get("source_volid")))
            encryption = volume_type.get("encryption")
            row = db_volumes.insert(
                s, project_id=project_id, user_id=ctx.get("user_id"), name=spec.get("name"),
                description=spec.get("description"), size=size,
                status=states.VOLUME_STATUS.start(states.CREATING if host else states.ERROR),
                attach_status=states.VOLUME_ATTACH_STATUS.start(states.DETACHED),
                availability_zone=zone, volume_type_id=volume_type["id"], host=host,
                encryption_key_id=key_id,
                encryption=({k: encryption.get(k) for k in ("provider", "cipher", "key_size",
                                                            "control_location")}
                            if key_id and encryption else None),
                bootable=bool(image_metadata), multiattach=bool(spec.get("multiattach")),
                metadata_=dict(spec.get("metadata") or {}), image_metadata=image_metadata,
                snapshot_id=spec.get("snapshot_id"), source_volid=spec.get("source_volid"),
                group_id=spec.get("group_id") or None, updated_at=utcnow(),
            )
            if host is None:
                db_messages.record(s, project_id=project_id, resource_type=RESOURCE_VOLUME,
                                   resource_uuid=row.id, fault=NO_BACKEND,
                                   request_id=ctx.get("request_id"))
            return records.volume_records(s, [row])[0]

    @staticmethod
    def _scope(ctx: dict[str, Any]) -> str | None:
        return None if ctx.get("all_projects") else ctx.get("project_id")

    # -- update ---------------------------------------------------------------------------------
    @retry_on_lock()
    def update(self, volume_id: str, project_id: str | None, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id)
            states.require("update", row.id, row.status)
            if "name" in changes:
                row.name = changes["name"]
            if "description" in changes:
                row.description = changes["description"]
            if "metadata" in changes:
                row.metadata_ = dict(changes["metadata"] or {})
            row.updated_at = utcnow()
            s.flush()
            return records.volume_records(s, [row])[0]

    # -- delete ---------------------------------------------------------------------------------
    def delete(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
               cascade: bool = False, force: bool = False) -> None:
        host = self._mark_deleting(volume_id, project_id, cascade, force)
        if host:
            self.rpc.delete_volume(ctx, host, volume_id)

    @retry_on_lock()
    def _mark_deleting(self, volume_id: str, project_id: str | None, cascade: bool,
                       force: bool) -> str | None:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id)
            # A group's volumes go with the group (its delete-volumes), never on their own.
            # Its data may be half way to another backend: the move ends before it goes.
            if row.group_id or db_attachments.live_count(s, row.id) or \
                    row.attach_status == states.ATTACHED or \
                    row.migration_status in ("starting", "migrating"):
                raise InvalidVolume(reason="Volume status must be available or error or "
                                           "error_restoring or error_extending or error_managing "
                                           "and must not be migrating, attached, belong to a "
                                           "group, have snapshots or be disassociated from "
                                           "snapshots after volume transfer.")
            if not force:
                states.require("delete", row.id, row.status)
            db_backends.assert_not_frozen(s, row.host)
            snapshots = db_snapshots.of_volume(s, row.id)
            if snapshots and not cascade:
                raise InvalidVolume(reason="Volume has dependent snapshots.")
            for snap in snapshots:
                states.SNAPSHOT_STATUS.move(snap, states.DELETING)
            if not row.host:
                # Never scheduled: nothing exists on any backend.
                for snap in snapshots:
                    db_snapshots.remove(s, snap)
                db_volumes.remove(s, row)
                return None
            states.VOLUME_STATUS.move(row, states.DELETING)
            row.updated_at = utcnow()
            return row.host
