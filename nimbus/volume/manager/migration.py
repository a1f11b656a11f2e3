"""Changing a volume's type (os-retype) and moving it to another backend (os-migrate_volume).

A retype whose new type the volume's backend also takes is only a new type on the record, as
in Cinder. One that needs another backend moves the volume there when the caller allows it
(``migration_policy=on-demand``), and is refused otherwise. A move is the generic, host-assisted
migration Cinder does: the volume agent of the volume's backend makes the volume on the new
backend, copies its data, and only once the record points at the copy lets the old data go
(``agent/migrate_ops.py``). The decisions are the scheduler's filters (``scheduler.py``).

An attached volume is retyped in place only: moving the data under a running guest needs
compute's swap of the volume, which this cloud does not do yet.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.registry import Registry
from nimbus.volume import constants, states
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db import qos_specs as db_qos
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.errors import InvalidHost, InvalidInput, InvalidVolume
from nimbus.volume.manager import extra_specs, hosts
from nimbus.volume.manager.scheduler import Request, Scheduler
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.rpcapi import VolumeAgentAPI

LOG = logging.getLogger(__name__)
Record = dict[str, Any]
ACTIVE = ("starting", "migrating")


class MigrationManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, types: TypeManager,
                 scheduler: Scheduler, registry: Registry) -> None:
        self.db = database
        self.rpc = rpc
        self.types = types
        self.scheduler = scheduler
        self.registry = registry

    # -- retype ---------------------------------------------------------------------------------
    def retype(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
               new_type_ref: str, policy: str | None) -> None:
        type_scope = None if "admin" in ctx.get("roles", []) else ctx.get("project_id")
        new_type = self.types.visible(new_type_ref, type_scope)
        with self.db.reader() as s:
            row = db_volumes.get(s, volume_id, project_id)
            self._check_retype(s, row, new_type)
            request = Request(size=row.size, zone=row.availability_zone,
                              specs=dict(new_type.get("extra_specs") or {}),
                              skip=db_backends.frozen_hosts(s))
            host, status, has_snapshots = row.host, row.status, bool(
                db_snapshots.ids_of_volume(s, row.id))
        if host and self.scheduler.passes(ctx, host, request):
            self._set_type(volume_id, new_type)
            return
        reason = None
        if policy != "on-demand":
            reason = "the volume's backend does not take the new type, and the migration " \
                     "policy is never"
        elif status != states.AVAILABLE:
            reason = "only an available volume can move to another backend"
        elif has_snapshots:
            raise InvalidVolume(reason="Volume must not have snapshots.")
        dest = None if reason else self.scheduler.select(
            ctx, Request(size=request.size, zone=request.zone, specs=request.specs,
                         skip={*request.skip, db_backends.backend_of(host)}))
        if dest is None:
            # As Cinder's scheduler, after the API answered: the volume keeps its type, and
            # its owner is told why.
            LOG.info("retype of volume %s to %s: %s", volume_id, new_type["name"],
                     reason or "no other backend takes the new type")
            self._message(ctx, volume_id, constants.RETYPE_NO_BACKEND)
            return
        source = self._begin(volume_id, states.RETYPING, dest)
        self.rpc.migrate_volume(ctx, source, volume_id, dest, new_type["id"])

    @staticmethod
    def _check_retype(s: Any, row: Any, new_type: Record) -> None:
        states.require("retype", row.id, row.status)
        if row.migration_status in ACTIVE:
            raise InvalidVolume(reason=f"Volume {row.id} is already part of an active "
                                       f"migration.")
        if row.volume_type_id == new_type["id"]:
            raise InvalidInput(reason=f"New volume_type same as original: {new_type['name']}.")
        db_backends.assert_not_frozen(s, row.host)
        # The data would have to be re-encrypted (or decrypted) on the way: not a retype.
        if bool(row.encryption_key_id) != bool(new_type.get("encryption")):
            raise InvalidInput(reason="Retype cannot change encryption requirements.")
        if row.status == states.IN_USE and db_qos.front_end_of(s, row.volume_type_id) != \
                db_qos.front_end_of(s, new_type["id"]):
            raise InvalidInput(reason=f"Retype cannot change front-end qos specs for in-use "
                                      f"volume: {row.id}.")

    @retry_on_lock()
    def _set_type(self, volume_id: str, new_type: Record) -> None:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            row.volume_type_id = new_type["id"]
            row.multiattach = extra_specs.is_multiattach(new_type.get("extra_specs"))
            row.updated_at = utcnow()

    # -- migrate --------------------------------------------------------------------------------
    def migrate(self, ctx: dict[str, Any], volume_id: str, host: str, lock: bool) -> None:
        backend = db_backends.backend_of(host)
        if backend not in hosts.up_backends(self.registry):
            raise InvalidHost(reason=f"No available service named {host}")
        with self.db.reader() as s:
            row = db_volumes.get(s, volume_id)
            states.require("migrate", row.id, row.status)
            if row.status != states.AVAILABLE:
                raise InvalidVolume(reason="Only an available volume can move to another "
                                           "backend here; detach it first.")
            if row.migration_status in ACTIVE:
                raise InvalidVolume(reason=f"Volume {row.id} is already part of an active "
                                           f"migration.")
            if db_backends.backend_of(row.host) == backend:
                raise InvalidHost(reason="Destination host must be different than the current "
                                         "host.")
            if db_snapshots.ids_of_volume(s, row.id):
                raise InvalidVolume(reason="Volume must not have snapshots.")
            if row.group_id:
                raise InvalidVolume(reason="Volume must not be part of a group.")
            db_backends.assert_not_frozen(s, row.host)
            volume_type = self.types.get(row.volume_type_id) if row.volume_type_id else {}
            request = Request(size=row.size, zone=row.availability_zone, only=backend,
                              specs=dict(volume_type.get("extra_specs") or {}),
                              skip=db_backends.frozen_hosts(s))
        if not self.scheduler.passes(ctx, backend, request):
            # Cinder's scheduler refuses the move after the API answered: the migration fails.
            self._fail(ctx, volume_id)
            return
        self.scheduler.consume(backend, request.size)
        source = self._begin(volume_id, states.MAINTENANCE if lock else None,
                             hosts.with_pool(backend))
        self.rpc.migrate_volume(ctx, source, volume_id, hosts.with_pool(backend), None)

    # -- the record -----------------------------------------------------------------------------
    @retry_on_lock()
    def _begin(self, volume_id: str, status: str | None, dest: str) -> str:
        """Mark the move begun (``starting``, and ``status`` if any); the volume's host."""
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            if row.migration_status in ACTIVE or row.status != states.AVAILABLE:
                raise InvalidVolume(reason=f"Volume {row.id} changed while its move was "
                                           f"being decided; try again.")
            if status is not None:
                states.VOLUME_STATUS.move(row, status)
            row.migration_status = "starting"
            row.updated_at = utcnow()
            LOG.info("volume %s moves from %s to %s", volume_id, row.host, dest)
            return str(row.host)

    @retry_on_lock()
    def _fail(self, ctx: dict[str, Any], volume_id: str) -> None:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            row.migration_status = "error"
            row.updated_at = utcnow()
            db_messages.record(s, project_id=row.project_id,
                               resource_type=constants.RESOURCE_VOLUME, resource_uuid=row.id,
                               fault=constants.MIGRATE_NO_BACKEND,
                               request_id=ctx.get("request_id"))

    @retry_on_lock()
    def _message(self, ctx: dict[str, Any], volume_id: str, fault: tuple[str, str]) -> None:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id)
            db_messages.record(s, project_id=row.project_id,
                               resource_type=constants.RESOURCE_VOLUME, resource_uuid=row.id,
                               fault=fault, request_id=ctx.get("request_id"))
