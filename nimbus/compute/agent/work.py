"""What a compute agent does to the guests of its host: build, delete, actions and volumes.

The RPC handlers (``host.py``) and the start-up recovery (``recovery.py``) both do their work
here, so that a build resumed after a crash runs the very steps a first build runs. Everything
runs with the ``nova`` service user's credentials, never the user's token.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.clients.placement import PlacementClient
from nimbus.clients.volume import VolumeClient
from nimbus.compute.agent.events import InstanceEvents
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.drivers.base import ComputeDriver
from nimbus.compute.errors import Interrupted, VirtualInterfaceCreateFailed
from nimbus.compute.manager import claims, metadata, port_resources
from nimbus.compute.manager.block_devices import BlockDevices
from nimbus.compute.manager.faults import fault_from, set_error
from nimbus.compute.manager.guests import instance_dict
from nimbus.compute.manager.image_checks import Verdicts, verify_image
from nimbus.compute.manager.networking import Networking
from nimbus.compute.manager.snapshots import SnapshotManager
from nimbus.compute.states import (
    ACTIONS,
    VM_STATE_OF_POWER,
    AttachmentStatus,
    PowerState,
    TaskState,
    VmState,
    action_task,
)
from nimbus.core.bus.rpc import Bus
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError, NotFound
from nimbus.core.registry import Registry

LOG = logging.getLogger(__name__)
# What an image record given to a build must carry; a spec kept from before only names it.
_IMAGE_KEYS = ("id", "name", "status", "disk_format", "container_format", "min_disk",
               "min_ram", "size", "checksum", "os_hash_value")


@dataclass
class AgentDeps:
    """What every agent of one process shares: the database, the other services, the rules."""

    db: Database
    bus: Bus
    registry: Registry
    images: ImageClient
    volumes: VolumeClient
    placement: PlacementClient
    networking: Networking
    block_devices: BlockDevices
    snapshots: SnapshotManager
    # Where each agent remembers its Placement registration between starts (None: nowhere).
    registrations: Path | None = None
    # Builds and actions an agent runs at once.
    workers: int = 1
    # Seconds a soft-deleted server is kept before the agent reclaims it (0: never kept).
    reclaim_instance_interval: int = 0
    # Seconds a resize may wait in VERIFY_RESIZE before the agent confirms it (0: never).
    resize_confirm_window: int = 0
    # Seconds a build waits for its ports to come up, and whether it fails when they do not.
    vif_plugging_timeout: int = 300
    vif_plugging_is_fatal: bool = True
    # Set once the process has started: a registration already known is confirmed after it.
    started: threading.Event | None = None


def _password_of(args: dict[str, Any]) -> str:
    """The password an action was sent with; one resumed after a crash has none (it is never
    kept), so it fails and the user sets it again."""
    if not args.get("password"):
        raise NimbusError("The new password was lost when the compute agent restarted; set it "
                          "again.")
    return str(args["password"])


class Vanished(Exception):
    """The server was deleted while we built it."""


class GuestWork:
    """The work on one host's guests, through its driver."""

    def __init__(self, deps: AgentDeps, host: str, driver: ComputeDriver) -> None:
        self.deps = deps
        self.db = deps.db
        self.host = host
        self.driver = driver
        self.rp_uuid: str | None = None
        self.verdicts = Verdicts()
        # The events this host's builds wait for (delivered by the agent's events topic).
        self.events = InstanceEvents()

    # -- build -----------------------------------------------------------------------------
    def build(self, ctx: dict[str, Any], row: Instance, spec: dict[str, Any],
              resumed: bool = False) -> None:
        """Wire, connect and spawn a server from ``networking`` (or, resumed, from where a
        crash left it: ``networking`` after cleaning the ports it had made, or ``spawning``
        with the ports it recorded) to ACTIVE; ERROR, with everything released, on failure."""
        uuid = row.uuid
        event = actions.start_event(self.db, ctx, uuid, "compute__do_build_and_run_instance",
                                    self.host)
        networking = self.deps.networking
        requested = list(row.requested_networks or [])
        ports: list[dict[str, Any]] = []
        try:
            image = self.image_of(spec)
            if row.task_state == TaskState.NETWORKING:
                if image:
                    # Before any port exists: a refused image is the cheapest failure there is.
                    verify_image(self.deps.images, image, self.verdicts)
                if resumed:
                    networking.deallocate(networking.leftovers(uuid, [], requested))
                ports = networking.allocate(instance_dict(row), self.host, requested,
                                            self._placed(uuid, requested))
                spawning = db.update_instance(self.db, uuid, expected_task=TaskState.NETWORKING,
                                              task_state=TaskState.SPAWNING, ports=ports)
                if spawning is None:
                    raise Vanished()
                row = spawning
            else:
                ports = list(row.ports or [])
                self._check_ports(ports)
                if uuid in self.driver.list_instances():
                    # Half-spawned when the agent stopped: start that guest over.
                    self.driver.destroy(instance_dict(row))
            info = self.guest_info(row)
            connected = self.deps.block_devices.connect_all(self.driver, info)
            self.wait_for_ports(uuid, ports)
            self.driver.spawn(info, image, connected)
        except Vanished:
            # Deleted while we built: the terminate message queued behind us finishes the job.
            networking.deallocate(ports)
            if db.find_instance(self.db, uuid) is None:
                claims.free(self.deps.placement, uuid)
            return
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            if resumed:
                reason = exc.message if isinstance(exc, NimbusError) else str(exc)
                exc = Interrupted(what="Build", uuid=uuid,
                                  outcome=f"could not be resumed: {reason}")
            self.fail_build(uuid, ports, requested, exc)
            return
        done = db.update_instance(self.db, uuid, expected_task=TaskState.SPAWNING,
                                  vm_state=VmState.ACTIVE, task_state=None,
                                  power_state=PowerState.RUNNING, launched_at=utcnow())
        actions.finish_event(self.db, event, "Success")
        if done is None and db.find_instance(self.db, uuid) is None:
            # Removed while it spawned (its host looked down to the API): undo it all here.
            self.driver.destroy({"uuid": uuid, "metadata": {}})
            networking.release(uuid, ports, requested)
            claims.free(self.deps.placement, uuid)

    def _placed(self, uuid: str, requested: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        """Which provider each port's QoS request group took in the server's allocation."""
        asking = port_resources.requests_of(requested)
        if not asking:
            return {}
        return port_resources.mappings(asking, self.deps.placement.allocations_of(uuid))

    def guest_info(self, row: Instance) -> dict[str, Any]:
        """What the driver is given of a guest it starts from scratch (a build, rebuild,
        evacuation or unshelve): the server, and its metadata for a config drive when the
        driver writes one."""
        info = instance_dict(row)
        if self.driver.uses_config_drive:
            info["metadata_files"] = metadata.files(info)
        return info

    def fail_build(self, uuid: str, ports: list[dict[str, Any]],
                   requested: list[dict[str, Any]], exc: BaseException) -> None:
        """Release the ports and the allocation of a build that failed, then put the server in
        ERROR with ``exc`` as its fault (released first: a crash in between leaves a build to
        resume, never an ERROR server holding what it no longer uses)."""
        self.deps.networking.release(uuid, ports, requested)
        claims.free(self.deps.placement, uuid)
        db.update_instance(self.db, uuid, ports=[])
        set_error(self.db, uuid, exc)

    def wait_for_ports(self, uuid: str, ports: list[dict[str, Any]]) -> None:
        """Wait for ``network-vif-plugged`` from each port that was not up when bound, as Nova
        waits before it starts a guest; a port that fails or does not come up in time fails
        the build (unless ``vif_plugging_is_fatal`` is off)."""
        down = [p["port_id"] for p in ports if p.get("status", "ACTIVE") != "ACTIVE"]
        if not down or self.deps.vif_plugging_timeout <= 0:
            return
        # Looked at again: a port up since it was bound (a build resumed after a restart,
        # whose events went with the process) is waited for no more.
        names = [InstanceEvents.key("network-vif-plugged", port_id) for port_id in down
                 if self._port_status(port_id) != "ACTIVE"]
        if not names:
            return
        got = self.events.wait(uuid, names, float(self.deps.vif_plugging_timeout))
        failed = sorted(n for n in names if got.get(n) != "completed")
        if not failed:
            return
        LOG.warning("instance %s: no network-vif-plugged (or a failed one) for %s", uuid,
                    ", ".join(failed))
        if self.deps.vif_plugging_is_fatal:
            raise VirtualInterfaceCreateFailed()

    def _port_status(self, port_id: str) -> str | None:
        try:
            return str(self.deps.networking.client.get_port(port_id).get("status"))
        except NotFound:
            return None

    def image_of(self, spec: dict[str, Any]) -> dict[str, Any] | None:
        image = spec.get("image")
        if image and "disk_format" not in image:
            found = self.deps.images.get_image(str(image["id"]))
            image = {key: found.get(key) for key in _IMAGE_KEYS}
        return dict(image) if image else None

    def _check_ports(self, ports: list[dict[str, Any]]) -> None:
        for info in ports:
            try:
                self.deps.networking.client.get_port(info["port_id"])
            except NotFound:
                raise NimbusError(f"Port {info['port_id']} of the server is gone.") from None

    def ensure_allocation(self, row: Instance) -> None:
        """Make the server hold its flavor's resources on this host (again, if a crash
        released them); a host not yet known to Placement leaves things as they are."""
        if self.rp_uuid is None:
            return
        claims.claim_on(self.deps.placement, row.uuid, self.rp_uuid, dict(row.flavor or {}),
                        row.project_id, row.user_id)

    # -- delete ----------------------------------------------------------------------------
    def terminate(self, ctx: dict[str, Any], row: Instance) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_terminate_instance",
                                    self.host)
        try:
            info = instance_dict(row)
            if row.uuid in self.driver.list_instances():
                self.driver.destroy(info)
            self.deps.block_devices.release_all(row.uuid, self.driver, info)
            self.deps.networking.release(row.uuid, list(row.ports or []),
                                         list(row.requested_networks or []))
            claims.free(self.deps.placement, row.uuid)
            db.destroy_instance(self.db, row.uuid)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            set_error(self.db, row.uuid, exc)
            return
        actions.finish_event(self.db, event, "Success")

    # -- actions ---------------------------------------------------------------------------
    def act(self, ctx: dict[str, Any], row: Instance, action: str, hard: bool = False,
            recovering: bool = False, args: dict[str, Any] | None = None) -> bool:
        """Run ``action`` on the guest; whether the driver did it. A failed action leaves the
        server as it was, with the reason in its fault; ``recovering``, it takes the state
        the host reports of the guest instead (ERROR when the guest is gone)."""
        transition = ACTIONS[action]
        task = action_task(action, hard)
        info = instance_dict(row)
        extra = dict(args or {})
        event = actions.start_event(self.db, ctx, row.uuid, f"compute_{action}_instance",
                                    self.host)
        calls = {"reboot": lambda: self.driver.reboot(info, hard),
                 "stop": lambda: self.driver.power_off(info),
                 "start": lambda: self.driver.power_on(info),
                 "pause": lambda: self.driver.pause(info),
                 "unpause": lambda: self.driver.unpause(info),
                 "suspend": lambda: self.driver.suspend(info),
                 "resume": lambda: self.driver.resume(info),
                 "rescue": lambda: self.driver.rescue(info, extra.get("image"),
                                                      extra.get("password")),
                 "unrescue": lambda: self.driver.unrescue(info),
                 "changePassword": lambda: self.driver.set_admin_password(
                     info, _password_of(extra))}
        try:
            calls[action]()
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            changes: dict[str, Any] = {}
            if recovering:
                power = self.driver.power_state(info)
                changes = {"vm_state": VM_STATE_OF_POWER.get(power, VmState.ERROR),
                           "power_state": power}
            db.update_instance(self.db, row.uuid, expected_task=task, task_state=None,
                               fault=fault_from(exc), **changes)
            return False
        db.update_instance(self.db, row.uuid, expected_task=task,
                           vm_state=transition.final, task_state=None,
                           power_state=transition.power)
        actions.finish_event(self.db, event, "Success")
        return True

    # -- volumes ---------------------------------------------------------------------------
    def attach(self, ctx: dict[str, Any], row: Instance, bdm: VolumeAttachment) -> None:
        volumes = self.deps.volumes
        info = instance_dict(row)
        event = actions.start_event(self.db, ctx, row.uuid, "compute_attach_volume", self.host)
        try:
            if bdm.attachment_id is None:
                raise NimbusError(f"Volume {bdm.volume_id} has no attachment to connect.")
            connector = self.driver.get_volume_connector(info)
            attachment = volumes.update_attachment(bdm.attachment_id, connector,
                                                  bdm.device_name)
            self.driver.attach_volume(info, attachment.get("connection_info") or {},
                                      bdm.device_name)
            volumes.complete_attachment(bdm.attachment_id)
        except Exception as exc:
            LOG.warning("attaching volume %s to %s failed: %s", bdm.volume_id, row.uuid, exc)
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            if bdm.attachment_id is not None:
                try:
                    volumes.delete_attachment(bdm.attachment_id)
                except NimbusError:
                    LOG.warning("could not delete attachment %s", bdm.attachment_id)
            bdms_db.remove_attachment(self.db, bdm.id)
            return
        bdms_db.update_attachment(self.db, bdm.id, status=AttachmentStatus.ATTACHED)
        actions.finish_event(self.db, event, "Success")

    def detach(self, ctx: dict[str, Any], row: Instance, bdm: VolumeAttachment) -> None:
        event = actions.start_event(self.db, ctx, row.uuid, "compute_detach_volume", self.host)
        try:
            self.driver.detach_volume(instance_dict(row), None, bdm.device_name)
            if bdm.attachment_id:
                # Already gone when a detach cut short after the release is done again.
                with contextlib.suppress(NotFound):
                    self.deps.volumes.delete_attachment(bdm.attachment_id)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            bdms_db.update_attachment(self.db, bdm.id, status=AttachmentStatus.ATTACHED)
            # Still attached here: Cinder shows it in-use again.
            with contextlib.suppress(NimbusError):
                self.deps.volumes.volume_action(bdm.volume_id, "os-roll_detaching")
            return
        bdms_db.remove_attachment(self.db, bdm.id)
        actions.finish_event(self.db, event, "Success")
