"""Servers that change host or flavor, on the agents: resize, cold and live migration.

Nova's protocol, step by step over the bus (the scheduler has claimed the destination: the
server's own allocation moved there, the source's held by the migration's uuid):

- resize and cold migration: the source powers the guest off and keeps its disks
  (``resize_instance``), the destination starts it with the new flavor (``finish_resize``):
  VERIFY_RESIZE. A confirm goes to the source, which drops what it kept and the migration's
  allocation; a revert goes to the destination, which destroys its copy and hands back to the
  source (``finish_revert_resize``), which starts the kept guest with its old flavor and takes
  its allocation back.
- live migration: the source moves the running guest (``live_migrate``) and the destination
  adopts it (``post_live_migration``).

A step that fails puts the server back where it was, with the reason in its fault, and the
migration in ``error``.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.compute.agent.work import GuestWork
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.db.models import Instance, Migration
from nimbus.compute.manager import claims, port_resources
from nimbus.compute.manager.faults import fault_from
from nimbus.compute.manager.guests import instance_dict
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.states import VM_STATE_OF_POWER, PowerState, TaskState, VmState
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)


def _vm_state_after(power: int) -> str:
    return VmState.ACTIVE if power == PowerState.RUNNING else VmState.STOPPED


class MoveWork:
    def __init__(self, work: GuestWork, compute_rpc: ComputeAgentAPI) -> None:
        self.work = work
        self.db = work.db
        self.host = work.host
        self.driver = work.driver
        self.deps = work.deps
        self.compute_rpc = compute_rpc

    # -- resize and cold migration ---------------------------------------------------------
    def resize_instance(self, ctx: dict[str, Any], row: Instance, migration: Migration,
                        dest_host: str) -> None:
        """The source's step: power off, keep the disks, hand over to the destination."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_resize_instance",
                                    self.host)
        migrations.update_migration(self.db, migration.uuid, status="migrating")
        moving = db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_PREP,
                                    task_state=TaskState.RESIZE_MIGRATING)
        if moving is None:
            return
        try:
            info = instance_dict(moving)
            disk_info = self.driver.migrate_disk_and_power_off(
                info, dest_host, dict(moving.new_flavor or moving.flavor))
            disk_info["power"] = moving.power_state
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            self.undo_claim(moving, migration)
            self.fail(moving, migration, TaskState.RESIZE_MIGRATING, exc)
            return
        actions.finish_event(self.db, event, "Success")
        migrations.update_migration(self.db, migration.uuid, status="post-migrating")
        self.compute_rpc.finish_resize(ctx, dest_host, row.uuid, migration.uuid, disk_info)

    def finish_resize(self, ctx: dict[str, Any], row: Instance, migration: Migration,
                      disk_info: dict[str, Any]) -> None:
        """The destination's step: start the guest here with its new flavor."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_finish_resize", self.host)
        flavor = dict(row.new_flavor or row.flavor)
        moved = db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_MIGRATING,
                                   task_state=TaskState.RESIZE_FINISH, flavor=flavor,
                                   flavor_id=str(flavor.get("id", row.flavor_id)),
                                   host=self.host, node=self.host)
        if moved is None:
            return
        power = int(disk_info.get("power", PowerState.RUNNING))
        try:
            moved = self._bind_ports(moved, self.host)
            self.driver.finish_migration(instance_dict(moved), disk_info,
                                         (moved.request_spec or {}).get("image"),
                                         power_on=power == PowerState.RUNNING)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            migrations.update_migration(self.db, migration.uuid, status="error")
            # The guest is on neither host now, as in Nova: the server is in ERROR.
            db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_FINISH,
                               task_state=None, vm_state=VmState.ERROR, fault=fault_from(exc))
            return
        db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_FINISH,
                           task_state=None, vm_state=VmState.RESIZED, power_state=power)
        migrations.update_migration(self.db, migration.uuid, status="finished")
        actions.finish_event(self.db, event, "Success")

    def confirm_resize(self, ctx: dict[str, Any], row: Instance, migration: Migration) -> None:
        """The source's last step: drop what it kept and the migration's allocation."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_confirm_resize",
                                    self.host)
        try:
            self.driver.confirm_migration(instance_dict(row))
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_CONFIRMING,
                               task_state=None, fault=fault_from(exc))
            return
        claims.free(self.deps.placement, migration.uuid)
        migrations.update_migration(self.db, migration.uuid, status="confirmed")
        db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_CONFIRMING,
                           task_state=None, vm_state=_vm_state_after(row.power_state),
                           old_flavor=None, new_flavor=None)
        actions.finish_event(self.db, event, "Success")

    def revert_resize(self, ctx: dict[str, Any], row: Instance, migration: Migration) -> None:
        """The destination's part of a revert: destroy its copy, hand back to the source."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_revert_resize", self.host)
        try:
            if row.uuid in self.driver.list_instances():
                self.driver.destroy(instance_dict(row))
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_REVERTING,
                               task_state=None, fault=fault_from(exc))
            return
        actions.finish_event(self.db, event, "Success")
        self.compute_rpc.finish_revert_resize(ctx, str(migration.source_compute), row.uuid,
                                              migration.uuid)

    def finish_revert_resize(self, ctx: dict[str, Any], row: Instance,
                             migration: Migration) -> None:
        """The source's part of a revert: start the kept guest with its old flavor."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_finish_revert_resize",
                                    self.host)
        old = dict(row.old_flavor or row.flavor)
        reverted = db.update_instance(self.db, row.uuid,
                                      expected_task=TaskState.RESIZE_REVERTING, flavor=old,
                                      flavor_id=str(old.get("id", row.flavor_id)),
                                      host=self.host, node=self.host)
        if reverted is None:
            return
        try:
            self.undo_claim(reverted, migration)
            reverted = self._bind_ports(reverted, self.host)
            self.driver.finish_revert_migration(instance_dict(reverted),
                                                power_on=row.power_state == PowerState.RUNNING)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            migrations.update_migration(self.db, migration.uuid, status="error")
            db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_REVERTING,
                               task_state=None, vm_state=VmState.ERROR, fault=fault_from(exc))
            return
        migrations.update_migration(self.db, migration.uuid, status="reverted")
        db.update_instance(self.db, row.uuid, expected_task=TaskState.RESIZE_REVERTING,
                           task_state=None, vm_state=_vm_state_after(row.power_state),
                           old_flavor=None, new_flavor=None)
        actions.finish_event(self.db, event, "Success")

    # -- live migration --------------------------------------------------------------------
    def live_migrate(self, ctx: dict[str, Any], row: Instance, migration: Migration,
                     dest_host: str) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_live_migration",
                                    self.host)
        migrations.update_migration(self.db, migration.uuid, status="running",
                                    dest_compute=dest_host)
        networking = self.deps.networking
        dest_ports: list[dict[str, Any]] = []
        try:
            # As Nova does: the ports are bound to the destination too (inactive) before the
            # guest moves, so that its agent plugs them and the guest arrives to its taps.
            dest_ports = networking.bind_destination(list(row.ports or []), dest_host,
                                                     self._placed(row))
            data = self.driver.live_migration(
                {**instance_dict(row), "migrate_ports": dest_ports}, dest_host)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            networking.drop_destination(dest_ports, dest_host)
            self.undo_claim(row, migration)
            self.fail(row, migration, TaskState.MIGRATING, exc)
            return
        actions.finish_event(self.db, event, "Success")
        data["ports"] = dest_ports
        self.compute_rpc.post_live_migration(ctx, dest_host, row.uuid, migration.uuid, data)

    def post_live_migration(self, ctx: dict[str, Any], row: Instance, migration: Migration,
                            migrate_data: dict[str, Any]) -> None:
        event = actions.start_event(self.db, ctx, row.uuid,
                                    "compute_post_live_migration_at_destination", self.host)
        try:
            self.driver.post_live_migration_at_destination(instance_dict(row), migrate_data)
            ports = migrate_data.get("ports") or list(row.ports or [])
            self.deps.networking.activate_destination(
                ports, str(migration.source_compute or ""), self.host)
            db.update_instance(self.db, row.uuid, ports=ports)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            migrations.update_migration(self.db, migration.uuid, status="error")
            db.update_instance(self.db, row.uuid, expected_task=TaskState.MIGRATING,
                               task_state=None, vm_state=VmState.ERROR, fault=fault_from(exc))
            return
        claims.free(self.deps.placement, migration.uuid)
        migrations.update_migration(self.db, migration.uuid, status="completed")
        power = self.driver.power_state(instance_dict(row))
        db.update_instance(self.db, row.uuid, expected_task=TaskState.MIGRATING,
                           task_state=None, host=self.host, node=self.host,
                           vm_state=VM_STATE_OF_POWER.get(power, row.vm_state))
        actions.finish_event(self.db, event, "Success")

    # -- shared ----------------------------------------------------------------------------
    def undo_claim(self, row: Instance, migration: Migration) -> None:
        """Put the server's allocation back on the source with its old flavor, and give back
        what the migration held there."""
        placement = self.deps.placement
        source = migration.source_compute or row.host
        provider = placement.find_provider(str(source)) if source else None
        held = placement.allocations_of(migration.uuid) \
            if port_resources.requests_of(list(row.requested_networks or [])) else {}
        if held:
            # What the migration kept of the source, its ports' part too, goes back whole.
            placement.claim(row.uuid, held, row.project_id, row.user_id)
        elif provider is not None:
            claims.claim_on(placement, row.uuid, provider["uuid"],
                            dict(row.old_flavor or row.flavor), row.project_id, row.user_id)
        claims.free(placement, migration.uuid)

    def fail(self, row: Instance, migration: Migration, task: str, exc: BaseException) -> None:
        """A move that failed before the guest left: the server stays as it was."""
        LOG.warning("moving instance %s failed: %s", row.uuid, exc)
        migrations.update_migration(self.db, migration.uuid, status="error")
        db.update_instance(self.db, row.uuid, expected_task=task, task_state=None,
                           old_flavor=None, new_flavor=None, fault=fault_from(exc))
        if self.driver.power_state(instance_dict(row)) == PowerState.SHUTDOWN \
                and row.power_state == PowerState.RUNNING:
            try:
                self.driver.power_on(instance_dict(row))
            except NimbusError as err:
                LOG.warning("could not start instance %s again: %s", row.uuid, err)

    def _bind_ports(self, row: Instance, host: str) -> Instance:
        """Ports follow the guest: their binding names its new host (and the providers there
        that their QoS claims came from), and the server keeps how that host plugs them."""
        ports = self.deps.networking.rebind(list(row.ports or []), host, self._placed(row))
        return db.update_instance(self.db, row.uuid, ports=ports) or row

    def _placed(self, row: Instance) -> dict[str, dict[str, str]]:
        asking = port_resources.requests_of(list(row.requested_networks or []))
        if not asking:
            return {}
        return port_resources.mappings(asking, self.deps.placement.allocations_of(row.uuid))
