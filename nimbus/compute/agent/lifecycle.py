"""Rebuild, evacuate, deferred delete, shelve and unshelve on the agent, and interfaces.

A rebuild gives the guest a fresh root disk from the new image and keeps its ports and volumes;
an evacuation is a rebuild on another host, its own being down: the guest is spawned again
there with the same ports and volumes. A deferred delete (``reclaim_instance_interval``)
powers the guest off and keeps it until it is restored or reclaimed.

A shelve captures the root disk into the image the API recorded, then (at once, with the
default ``shelved_offload_time`` of 0) offloads it: the guest is destroyed, its ports unbound
from the host and its allocation given back, so that the server holds nothing but its image.
An unshelve boots it again from that image, on the host the scheduler chose, and deletes the
image, as Nova does.
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
from nimbus.compute.manager.guests import instance_dict, request_spec_of
from nimbus.compute.states import PowerState, TaskState, VmState
from nimbus.core.db.base import utcnow
from nimbus.core.errors import NimbusError, NotFound

LOG = logging.getLogger(__name__)


class LifecycleWork:
    def __init__(self, work: GuestWork) -> None:
        self.work = work
        self.db = work.db
        self.host = work.host
        self.driver = work.driver
        self.deps = work.deps

    # -- rebuild ---------------------------------------------------------------------------
    def rebuild(self, ctx: dict[str, Any], row: Instance, image: dict[str, Any] | None) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_rebuild_instance",
                                    self.host)
        was_stopped = row.vm_state == VmState.STOPPED
        try:
            info = self.work.guest_info(row)
            connected = self.deps.block_devices.connect_all(self.driver, info)
            self.driver.rebuild(info, image, connected)
            if was_stopped:
                # A stopped server stays stopped, as Nova leaves it.
                self.driver.power_off(info)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, expected_task=TaskState.REBUILDING,
                               task_state=None, vm_state=VmState.ERROR, fault=fault_from(exc))
            return
        db.update_instance(self.db, row.uuid, expected_task=TaskState.REBUILDING,
                           task_state=None,
                           vm_state=VmState.STOPPED if was_stopped else VmState.ACTIVE,
                           power_state=PowerState.SHUTDOWN if was_stopped
                           else PowerState.RUNNING, launched_at=utcnow())
        actions.finish_event(self.db, event, "Success")

    def evacuate(self, ctx: dict[str, Any], row: Instance, migration: Migration,
                 to_stopped: bool) -> None:
        """Rebuild here a server whose own host is down (the scheduler has claimed this host
        and recorded it on the server): its ports bound here, its volumes connected here, its
        guest spawned from its image. It ends as it was (a server in ERROR comes back
        running), or stopped when asked (from 2.95); a failure leaves it in ERROR."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_rebuild_instance",
                                    self.host)
        stopped = to_stopped or row.vm_state == VmState.STOPPED
        try:
            row = self._bind_here(row)
            info = self.work.guest_info(row)
            connected = self.deps.block_devices.connect_all(self.driver, info)
            if row.uuid in self.driver.list_instances():
                # Left by an evacuation to this host that was cut short: start it over.
                self.driver.destroy(info)
            self.driver.spawn(info, self.work.image_of(request_spec_of(row)), connected)
            if stopped:
                self.driver.power_off(info)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            migrations.update_migration(self.db, migration.uuid, status="failed")
            db.update_instance(self.db, row.uuid, expected_task=TaskState.REBUILDING,
                               task_state=None, vm_state=VmState.ERROR, fault=fault_from(exc))
            return
        db.update_instance(self.db, row.uuid, expected_task=TaskState.REBUILDING,
                           task_state=None, fault=None,
                           vm_state=VmState.STOPPED if stopped else VmState.ACTIVE,
                           power_state=PowerState.SHUTDOWN if stopped
                           else PowerState.RUNNING, launched_at=utcnow())
        # "done" until the source host is back and has destroyed what it had of the guest.
        migrations.update_migration(self.db, migration.uuid, status="done")
        actions.finish_event(self.db, event, "Success")

    # -- deferred delete -------------------------------------------------------------------
    def soft_delete(self, ctx: dict[str, Any], row: Instance) -> None:
        """Put the server aside: its guest powered off, kept until it is restored or
        reclaimed. A failure leaves it as it was, with the reason in its fault."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_soft_delete_instance",
                                    self.host)
        info = instance_dict(row)
        try:
            if row.uuid in self.driver.list_instances() \
                    and self.driver.power_state(info) != PowerState.SHUTDOWN:
                self.driver.power_off(info)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, expected_task=TaskState.SOFT_DELETING,
                               task_state=None, deleted_at=None, fault=fault_from(exc))
            return
        db.update_instance(self.db, row.uuid, expected_task=TaskState.SOFT_DELETING,
                           task_state=None, vm_state=VmState.SOFT_DELETED,
                           power_state=PowerState.SHUTDOWN)
        actions.finish_event(self.db, event, "Success")

    def restore(self, ctx: dict[str, Any], row: Instance) -> None:
        """Power the soft-deleted server's guest on again: ACTIVE. A failure leaves it
        soft-deleted (and so still reclaimed in time), with the reason in its fault."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_restore_instance",
                                    self.host)
        try:
            self.driver.power_on(instance_dict(row))
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, expected_task=TaskState.RESTORING,
                               task_state=None, deleted_at=utcnow(), fault=fault_from(exc))
            return
        db.update_instance(self.db, row.uuid, expected_task=TaskState.RESTORING,
                           task_state=None, vm_state=VmState.ACTIVE,
                           power_state=PowerState.RUNNING, deleted_at=None)
        actions.finish_event(self.db, event, "Success")

    # -- shelve ----------------------------------------------------------------------------
    def shelve(self, ctx: dict[str, Any], row: Instance, offload: bool) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_shelve_instance",
                                    self.host)
        info = instance_dict(row)
        try:
            if row.shelved_image_id:
                data = self.driver.snapshot(info)
                self.deps.images.upload(row.shelved_image_id, data.chunks)
            if row.uuid in self.driver.list_instances() \
                    and self.driver.power_state(info) != PowerState.SHUTDOWN:
                self.driver.power_off(info)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            self._drop_image(row.shelved_image_id)
            db.update_instance(self.db, row.uuid, expected_task=TaskState.SHELVING,
                               task_state=None, shelved_image_id=None, fault=fault_from(exc))
            return
        actions.finish_event(self.db, event, "Success")
        if offload:
            shelved = db.update_instance(self.db, row.uuid, expected_task=TaskState.SHELVING,
                                         task_state=TaskState.SHELVING_OFFLOADING,
                                         power_state=PowerState.SHUTDOWN)
            if shelved is not None:
                self.offload(ctx, shelved)
            return
        db.update_instance(self.db, row.uuid, expected_task=TaskState.SHELVING, task_state=None,
                           vm_state=VmState.SHELVED, power_state=PowerState.SHUTDOWN)

    def offload(self, ctx: dict[str, Any], row: Instance) -> None:
        """Free the host of the shelved server: guest, port bindings, allocation."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_shelve_offload_instance",
                                    self.host)
        info = instance_dict(row)
        try:
            if row.uuid in self.driver.list_instances():
                self.driver.destroy(info)
            self.deps.block_devices.release_connections(row.uuid, self.driver, info)
            for port in row.ports or []:
                self.deps.networking.client.update_port(port["port_id"],
                                                        {"binding:host_id": ""})
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid,
                               expected_task=TaskState.SHELVING_OFFLOADING, task_state=None,
                               vm_state=VmState.SHELVED, fault=fault_from(exc))
            return
        claims.free(self.deps.placement, row.uuid)
        db.update_instance(self.db, row.uuid, expected_task=TaskState.SHELVING_OFFLOADING,
                           task_state=None, vm_state=VmState.SHELVED_OFFLOADED,
                           power_state=PowerState.SHUTDOWN, host=None, node=None)
        actions.finish_event(self.db, event, "Success")

    def unshelve(self, ctx: dict[str, Any], row: Instance) -> None:
        """Boot the shelved server: powered on where it still is, spawned from its shelved
        image where it was offloaded (the scheduler has claimed this host for it)."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_unshelve_instance",
                                    self.host)
        info = self.work.guest_info(row)
        try:
            if row.uuid in self.driver.list_instances():
                self.driver.power_on(info)
            else:
                image = None
                if row.shelved_image_id:
                    found = self.deps.images.get_image(row.shelved_image_id)
                    image = {key: found.get(key) for key in ("id", "name", "status",
                                                             "disk_format", "container_format",
                                                             "min_disk", "min_ram", "size")}
                row = self._bind_here(row)
                info = self.work.guest_info(row)
                connected = self.deps.block_devices.connect_all(self.driver, info)
                self.driver.spawn(info, image, connected)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            if row.vm_state == VmState.SHELVED_OFFLOADED:
                claims.free(self.deps.placement, row.uuid)
            db.update_instance(self.db, row.uuid, expected_task=TaskState.UNSHELVING,
                               task_state=None, fault=fault_from(exc),
                               **({"host": None, "node": None}
                                  if row.vm_state == VmState.SHELVED_OFFLOADED else {}))
            return
        self._drop_image(row.shelved_image_id)
        db.update_instance(self.db, row.uuid, expected_task=TaskState.UNSHELVING,
                           task_state=None, vm_state=VmState.ACTIVE,
                           power_state=PowerState.RUNNING, shelved_image_id=None,
                           launched_at=utcnow())
        actions.finish_event(self.db, event, "Success")

    def _claim_port(self, row: Instance, requested: dict[str, Any]) -> dict[str, dict[str, str]]:
        """A port whose QoS asks for bandwidth or packet rate, attached to a running server:
        its claim joins the server's, from this host's providers (as Nova claims it)."""
        asking = port_resources.requests_of([requested])
        if not asking:
            return {}
        placement = self.deps.placement
        node = placement.find_provider(self.host)
        extra = port_resources.claim_for(placement, {}, asking, str((node or {}).get("uuid")))
        found = placement.consumer(row.uuid)
        held = {rp: {"resources": dict(v.get("resources") or {})}
                for rp, v in (found.get("allocations") or {}).items()}
        placement.replace_allocations(row.uuid, port_resources.merged(held, extra),
                                      row.project_id, row.user_id,
                                      found.get("consumer_generation"))
        return port_resources.mappings(asking, extra)

    def _release_port(self, row: Instance, request: dict[str, Any] | None,
                      placed: dict[str, str]) -> None:
        """The claim of a port that leaves the server goes from the server's allocation."""
        if not request or not placed:
            return
        placement = self.deps.placement
        found = placement.consumer(row.uuid)
        held = dict(found.get("allocations") or {})
        if held:
            placement.replace_allocations(row.uuid,
                                          port_resources.without(held, request, placed),
                                          row.project_id, row.user_id,
                                          found.get("consumer_generation"))

    def _bind_here(self, row: Instance) -> Instance:
        """The server's ports bound to this host, and the server with how they plug here (a
        host of a machine that plays several has its taps in a fabric of its own)."""
        ports = self.deps.networking.rebind(list(row.ports or []), self.host)
        return db.update_instance(self.db, row.uuid, ports=ports) or row

    def _drop_image(self, image_id: str | None) -> None:
        if not image_id:
            return
        try:
            self.deps.images.delete_image(image_id)
        except NotFound:
            pass
        except NimbusError as exc:
            LOG.warning("could not delete the shelved image %s: %s", image_id, exc)

    # -- interfaces -----------------------------------------------------------------------
    def attach_interface(self, ctx: dict[str, Any], row: Instance,
                         requested: dict[str, Any]) -> dict[str, Any]:
        """Make or bind the port, plug it in and record it; the port's record. A failure
        undoes the port and reaches the caller."""
        event = actions.start_event(self.db, ctx, row.uuid, "compute_attach_interface",
                                    self.host)
        networking = self.deps.networking
        placed = self._claim_port(row, requested)
        try:
            made = networking.allocate(instance_dict(row), self.host, [requested], placed)
        except Exception:
            self._release_port(row, requested.get("resource_request"),
                               placed.get(str(requested.get("port_id")), {}))
            raise
        try:
            # A real network's agent plugs the port first (its tap), as for a build.
            self.work.wait_for_ports(row.uuid, made)
            # As it is now (ACTIVE once its agent wired it): the interface shows that status.
            made = networking.refresh(made)
            self.driver.attach_interface(instance_dict(row), made[0])
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            networking.deallocate(made)
            self._release_port(row, requested.get("resource_request"),
                               placed.get(str(requested.get("port_id")), {}))
            raise
        current = db.find_instance(self.db, row.uuid)
        ports = list((current or row).ports or [])
        db.update_instance(self.db, row.uuid, ports=[*ports, made[0]],
                           requested_networks=[*(row.requested_networks or []), requested])
        actions.finish_event(self.db, event, "Success")
        return made[0]

    def detach_interface(self, ctx: dict[str, Any], row: Instance, port_id: str) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_detach_interface",
                                    self.host)
        found = [p for p in row.ports or [] if p["port_id"] == port_id]
        if not found:
            actions.finish_event(self.db, event, "Success")
            return
        try:
            self.driver.detach_interface(instance_dict(row), found[0])
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, fault=fault_from(exc))
            return
        port = self.deps.networking.client.get_port(port_id)
        self._release_port(row, port.get("resource_request"),
                           dict((port.get("binding:profile") or {}).get("allocation") or {}))
        self.deps.networking.deallocate(found)
        current = db.find_instance(self.db, row.uuid)
        db.update_instance(self.db, row.uuid,
                           ports=[p for p in (current or row).ports or []
                                  if p["port_id"] != port_id],
                           requested_networks=[r for r in row.requested_networks or []
                                               if r.get("port_id") != port_id])
        actions.finish_event(self.db, event, "Success")

    # -- the guest's own ------------------------------------------------------------------
    def crash_dump(self, ctx: dict[str, Any], row: Instance) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_trigger_crash_dump",
                                    self.host)
        try:
            self.driver.inject_nmi(instance_dict(row))
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            return
        actions.finish_event(self.db, event, "Success")
