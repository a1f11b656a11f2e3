"""Taking storage a backend holds into the cloud (manage), letting a volume go without
deleting its data (unmanage), and listing what a backend could give (manageable volumes and
snapshots).

Managing asks the backend's agent for the object's size, checks the quota, has the agent
rename the object to the new volume's (or snapshot's) name, and only then writes the row, as
``available``: the answer says at once whether the reference was good (Cinder finds out later
and leaves an ``error_managing`` volume). If the row cannot be written after the rename, the
object stays on the backend under its new name and is listed as manageable again.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.registry import Registry
from nimbus.volume import states
from nimbus.volume.constants import AVAILABILITY_ZONES, BINARY
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.errors import (
    BackendUnavailable,
    HostNotFound,
    InvalidInput,
    InvalidVolume,
    InvalidVolumeType,
    ManageExistingAlreadyManaged,
    VolumeTypeNotFound,
)
from nimbus.volume.manager import hosts
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.rpcapi import BackendAgentAPI

Record = dict[str, Any]
# The statuses a volume may be unmanaged from: those it may be deleted from (Cinder's rule).
UNMANAGEABLE = frozenset({states.AVAILABLE, states.ERROR, states.ERROR_RESTORING,
                          states.ERROR_EXTENDING})


class ManageManager:
    def __init__(self, database: Database, agents: BackendAgentAPI, types: TypeManager,
                 quotas: QuotaManager, registry: Registry) -> None:
        self.db = database
        self.agents = agents
        self.types = types
        self.quotas = quotas
        self.registry = registry

    def _backend(self, host: str) -> str:
        """The up, enabled backend a ``host`` (``host@backend[#pool]``) names: a 404 for a host
        no volume service has ever run on (bad input, named as such), Cinder's 503 for one
        that is down or disabled."""
        backend = db_backends.backend_of(host)
        if backend not in {r["host"] for r in self.registry.list(BINARY)}:
            raise HostNotFound(host=host)
        if backend not in hosts.up_backends(self.registry):
            raise BackendUnavailable(f"Host '{host}' not found", reason=f"Host '{host}' not found")
        return backend

    # -- listings -------------------------------------------------------------------------------
    def manageable_volumes(self, ctx: dict[str, Any], host: str) -> list[Record]:
        backend = self._backend(host)
        with self.db.reader() as s:
            known = db_backends.volume_names(s, backend)
        return self.agents.manageable_volumes(ctx, backend, known)

    def manageable_snapshots(self, ctx: dict[str, Any], host: str) -> list[Record]:
        backend = self._backend(host)
        with self.db.reader() as s:
            known = db_backends.snapshot_names(s, backend)
        return self.agents.manageable_snapshots(ctx, backend, known)

    # -- volumes --------------------------------------------------------------------------------
    def manage_volume(self, ctx: dict[str, Any], host: str, ref: dict[str, Any],
                      spec: dict[str, Any]) -> Record:
        backend = self._backend(host)
        try:
            volume_type = (self.types.get(spec["volume_type"]) if spec.get("volume_type")
                           else self.types.default())
        except VolumeTypeNotFound:
            raise InvalidVolumeType(reason=f"Cannot find requested '{spec['volume_type']}' "
                                           f"volume type") from None
        zone = spec.get("availability_zone") or AVAILABILITY_ZONES[0]
        if zone not in AVAILABILITY_ZONES:
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        project_id = str(ctx["project_id"])
        volume_id = new_id()
        volume = {"id": volume_id, "name": f"volume-{volume_id}", "display_name": spec.get("name"),
                  "size": 0, "project_id": project_id, "host": hosts.with_pool(backend),
                  "provider_location": None, "readonly": False, "multiattach": False,
                  "encryption": None}
        with self.db.reader() as s:
            db_backends.assert_not_frozen(s, backend)
            name = str(ref.get("source-name") or ref.get("source-id") or "")
            if db_volumes.find(s, name[len("volume-"):] if name.startswith("volume-")
                               else name) is not None:
                raise ManageExistingAlreadyManaged(volume_ref=name)
        size = self.agents.manage_volume_size(ctx, backend, volume, ref)
        with self.db.reader() as s:
            self.quotas.check(s, project_id, volumes=1, gigabytes=size,
                              volume_type=volume_type["name"])
        update = self.agents.manage_volume(ctx, backend, {**volume, "size": size}, ref)
        return self._insert_volume(ctx, volume, size, volume_type, zone, spec, update)

    @retry_on_lock()
    def _insert_volume(self, ctx: dict[str, Any], volume: Record, size: int,
                       volume_type: Record, zone: str, spec: dict[str, Any],
                       update: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            self.quotas.check(s, volume["project_id"], volumes=1, gigabytes=size,
                              volume_type=volume_type["name"])
            row = db_volumes.insert(
                s, id=volume["id"], project_id=volume["project_id"], user_id=ctx.get("user_id"),
                name=spec.get("name"), description=spec.get("description"), size=size,
                status=states.VOLUME_STATUS.start(states.CREATING),
                attach_status=states.VOLUME_ATTACH_STATUS.start(states.DETACHED),
                availability_zone=zone, volume_type_id=volume_type["id"], host=volume["host"],
                bootable=bool(spec.get("bootable")), metadata_=dict(spec.get("metadata") or {}),
                image_metadata={}, provider_location=update.get("provider_location"),
                updated_at=utcnow(), launched_at=utcnow())
            # Made by the backend already: the row records it as done.
            states.VOLUME_STATUS.move(row, states.AVAILABLE)
            s.flush()
            return records.volume_records(s, [row])[0]

    @retry_on_lock()
    def unmanage_volume(self, ctx: dict[str, Any], volume_id: str) -> None:
        """The cloud forgets the volume; its agent is told, and the data stays."""
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            if (row.status not in UNMANAGEABLE or row.group_id or row.attach_status ==
                    states.ATTACHED or db_attachments.live_count(s, row.id)
                    or db_snapshots.of_volume(s, row.id)):
                raise InvalidVolume(reason=f"Volume status must be available or error or "
                                           f"error_restoring or error_extending and must not "
                                           f"be migrating, attached, belong to a group, have "
                                           f"snapshots or be awaiting a transfer (it is "
                                           f"{row.status}).")
            if row.encryption_key_id:
                # The key goes with the row: the data left behind could never be read again.
                raise InvalidVolume(reason=f"Volume {row.id} is encrypted; it cannot be "
                                           f"unmanaged, since its key would be lost.")
            volume = records.driver_volume(row)
            db_volumes.remove(s, row)
        if volume["host"]:
            self.agents.unmanage_volume(ctx, volume["host"], volume)

    # -- snapshots ------------------------------------------------------------------------------
    def manage_snapshot(self, ctx: dict[str, Any], volume_id: str, ref: dict[str, Any],
                        spec: dict[str, Any]) -> Record:
        with self.db.reader() as s:
            vol = db_volumes.get(s, volume_id)
            volume = records.driver_volume(vol)
            type_id = vol.volume_type_id
            db_backends.assert_not_frozen(s, vol.host)
        if not volume["host"]:
            raise InvalidVolume(reason=f"Volume {volume_id} has no backend host.")
        backend = self._backend(volume["host"])
        type_name = self.types.get(type_id)["name"] if type_id else None
        snapshot = {"id": new_id(), "volume_id": volume_id, "name": spec.get("name")}
        size = self.agents.manage_snapshot_size(ctx, backend, snapshot, ref)
        with self.db.reader() as s:
            self.quotas.check(s, volume["project_id"], snapshots=1, gigabytes=size,
                              volume_type=type_name)
        self.agents.manage_snapshot(ctx, backend, snapshot, volume, ref)
        return self._insert_snapshot(ctx, snapshot, volume, size, type_name, spec)

    @retry_on_lock()
    def _insert_snapshot(self, ctx: dict[str, Any], snapshot: Record, volume: Record,
                         size: int, type_name: str | None, spec: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            self.quotas.check(s, volume["project_id"], snapshots=1, gigabytes=size,
                              volume_type=type_name)
            row = db_snapshots.insert(
                s, id=snapshot["id"], volume_id=volume["id"], project_id=volume["project_id"],
                user_id=ctx.get("user_id"), name=spec.get("name"),
                description=spec.get("description"), size=size,
                status=states.SNAPSHOT_STATUS.start(states.CREATING), progress="100%",
                metadata_=dict(spec.get("metadata") or {}), updated_at=utcnow(),
                generation=db_snapshots.next_generation(s, volume["id"]))
            states.SNAPSHOT_STATUS.move(row, states.AVAILABLE)
            s.flush()
            return records.snapshot_record(row)
