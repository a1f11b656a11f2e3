"""The compute agent: one per hypervisor host, serving RPC on topic ``compute`` for its host.

It owns the guest's lifecycle on the host: ports (through the network API), the driver, volume
connections (through Cinder's attachments API) and the Placement allocation when a server goes.
Everything it calls runs with the ``nova`` service user's credentials, never the user's token.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.clients.placement import PlacementClient
from nimbus.clients.volume import VolumeClient
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.drivers.base import ComputeDriver
from nimbus.compute.manager.block_devices import BlockDevices
from nimbus.compute.manager.faults import fault_from, set_error
from nimbus.compute.manager.guests import instance_dict
from nimbus.compute.manager.image_checks import verify_image
from nimbus.compute.manager.networking import Networking
from nimbus.compute.manager.snapshots import SnapshotManager
from nimbus.compute.rpcapi import COMPUTE_TOPIC
from nimbus.compute.states import ACTIONS, AttachmentStatus, PowerState, TaskState, VmState, action_task
from nimbus.core.bus.rpc import Bus
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError
from nimbus.core.registry import Registry

LOG = logging.getLogger(__name__)


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


class ComputeAgent:
    RPC_VERSION = "1.0"

    def __init__(self, deps: AgentDeps, host: str, driver: ComputeDriver) -> None:
        self.deps = deps
        self.db = deps.db
        self.host = host
        self.driver = driver
        self.rp_uuid: str | None = None
        self._server: Any = None
        self._stop = threading.Event()
        self._retry: threading.Thread | None = None

    # -- life of the agent -----------------------------------------------------------------
    def start(self) -> None:
        self.driver.init_host()
        known = self._remembered()
        if known is not None:
            # Registered by an earlier start with this very capacity: Placement already holds
            # the provider, so the agent serves at once and confirms it in the background.
            self.rp_uuid = known
            self._retry = threading.Thread(target=self._confirm_register, daemon=True,
                                           name=f"rp-confirm-{self.host}")
            self._retry.start()
        # Placement may not answer yet when the agent starts first (a scaled cloud): that is
        # normal, so only the retries that follow warn.
        elif not self._register_provider(quiet=True):
            self._retry = threading.Thread(target=self._retry_register, daemon=True,
                                           name=f"rp-register-{self.host}")
            self._retry.start()
        self.deps.registry.register(AGENT_BINARY, self.host, COMPUTE_TOPIC)
        self._server = self.deps.bus.serve(COMPUTE_TOPIC, self.host, self)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.stop()

    def _retry_register(self) -> None:
        while not self._stop.wait(5) and not self._register_provider():
            pass

    def _confirm_register(self) -> None:
        if not self._register_provider(quiet=True):
            self._retry_register()

    def _inventories(self) -> dict[str, dict[str, Any]]:
        """The host's capacity as Placement inventories."""
        res = self.driver.get_available_resource()
        return {
            "VCPU": {"total": res["vcpus"], "reserved": 0, "min_unit": 1,
                     "max_unit": res["vcpus"], "step_size": 1,
                     "allocation_ratio": res.get("cpu_allocation_ratio", 1.0)},
            "MEMORY_MB": {"total": res["memory_mb"],
                          "reserved": res.get("reserved_host_memory_mb", 0), "min_unit": 1,
                          "max_unit": res["memory_mb"], "step_size": 1,
                          "allocation_ratio": res.get("ram_allocation_ratio", 1.0)},
            "DISK_GB": {"total": res["local_gb"], "reserved": 0, "min_unit": 1,
                        "max_unit": res["local_gb"], "step_size": 1,
                        "allocation_ratio": res.get("disk_allocation_ratio", 1.0)},
        }

    def _inventory_key(self) -> str:
        return json.dumps(self._inventories(), sort_keys=True)

    def _memory(self) -> Path | None:
        where = self.deps.registrations
        return None if where is None else where / f"{self.host}.json"

    def _remembered(self) -> str | None:
        """The provider uuid an earlier start registered for this capacity, if any."""
        path = self._memory()
        try:
            found = json.loads(path.read_text()) if path is not None and path.exists() else {}
        except (OSError, ValueError):
            return None
        if found.get("inventory") == self._inventory_key() and found.get("uuid"):
            return str(found["uuid"])
        return None

    def _remember(self, rp_uuid: str) -> None:
        path = self._memory()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"uuid": rp_uuid, "inventory": self._inventory_key()}))
        except OSError as exc:
            LOG.info("could not remember the registration of %s: %s", self.host, exc)

    def _register_provider(self, quiet: bool = False) -> bool:
        """Make sure Placement knows this host and its capacity; False when it could not."""
        try:
            placement = self.deps.placement
            provider = placement.find_provider(self.host) or placement.create_provider(self.host)
            self.rp_uuid = provider["uuid"]
            placement.set_inventories(provider["uuid"], provider["generation"],
                                      self._inventories())
            self._remember(provider["uuid"])
            return True
        except Exception as exc:
            (LOG.info if quiet else LOG.warning)(
                "could not register %s in placement yet: %s", self.host, exc)
            return False

    # -- build -----------------------------------------------------------------------------
    def build_instance(self, ctx: dict[str, Any], instance_uuid: str,
                       request_spec: dict[str, Any], allocations: dict[str, Any]) -> None:
        row = db.find_instance(self.db, instance_uuid)
        if row is None or row.task_state == TaskState.DELETING:
            self._free_allocation(instance_uuid)
            return
        event = actions.start_event(self.db, ctx, instance_uuid,
                                    "compute__do_build_and_run_instance", self.host)
        networking = self.deps.networking
        ports: list[dict[str, Any]] = []
        try:
            image = request_spec.get("image")
            if image:
                # Before any port exists: a refused image is the cheapest failure there is.
                verify_image(self.deps.images, image)
            ports = networking.allocate(instance_dict(row), self.host,
                                        list(row.requested_networks or []))
            spawning = db.update_instance(self.db, instance_uuid,
                                          expected_task=TaskState.NETWORKING,
                                          task_state=TaskState.SPAWNING, ports=ports)
            if spawning is None:
                raise _Vanished()
            info = instance_dict(spawning)
            connected = self.deps.block_devices.connect_all(self.driver, info)
            self.driver.spawn(info, request_spec.get("image"), connected)
        except _Vanished:
            # Deleted while we built: the terminate message queued behind us finishes the job.
            networking.deallocate(ports)
            if db.find_instance(self.db, instance_uuid) is None:
                self._free_allocation(instance_uuid)
            return
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            networking.deallocate(ports)
            self._free_allocation(instance_uuid)
            db.update_instance(self.db, instance_uuid, ports=[])
            set_error(self.db, instance_uuid, exc)
            return
        done = db.update_instance(self.db, instance_uuid, expected_task=TaskState.SPAWNING,
                                  vm_state=VmState.ACTIVE, task_state=None,
                                  power_state=PowerState.RUNNING, launched_at=utcnow())
        actions.finish_event(self.db, event, "Success")
        if done is None and db.find_instance(self.db, instance_uuid) is None:
            # Removed while it spawned (its host looked down to the API): undo it all here.
            self.driver.destroy({"uuid": instance_uuid, "metadata": {}})
            networking.deallocate(ports)
            self._free_allocation(instance_uuid)

    def _free_allocation(self, instance_uuid: str) -> None:
        try:
            self.deps.placement.delete_allocations(instance_uuid)
        except NimbusError as exc:
            LOG.warning("could not free the allocation of %s: %s", instance_uuid, exc)

    # -- delete ----------------------------------------------------------------------------
    def terminate_instance(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = db.find_instance(self.db, instance_uuid)
        if row is None:
            return
        event = actions.start_event(self.db, ctx, instance_uuid, "compute_terminate_instance",
                                    self.host)
        try:
            self._terminate(row)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            set_error(self.db, instance_uuid, exc)
            return
        actions.finish_event(self.db, event, "Success")

    def _terminate(self, row: Instance) -> None:
        info = instance_dict(row)
        if row.uuid in self.driver.list_instances():
            self.driver.destroy(info)
        self.deps.block_devices.release_all(row.uuid, self.driver, info)
        self.deps.networking.deallocate(list(row.ports or []))
        self._free_allocation(row.uuid)
        db.destroy_instance(self.db, row.uuid)

    # -- actions ---------------------------------------------------------------------------
    def server_action(self, ctx: dict[str, Any], instance_uuid: str, action: str,
                      hard: bool = False) -> None:
        row = db.find_instance(self.db, instance_uuid)
        if row is None:
            return
        transition = ACTIONS[action]
        # The task the API set; a delete that took the server over since is left alone.
        task = action_task(action, hard)
        info = instance_dict(row)
        event = actions.start_event(self.db, ctx, instance_uuid, f"compute_{action}_instance",
                                    self.host)
        calls = {"reboot": lambda: self.driver.reboot(info, hard),
                 "stop": lambda: self.driver.power_off(info),
                 "start": lambda: self.driver.power_on(info),
                 "pause": lambda: self.driver.pause(info),
                 "unpause": lambda: self.driver.unpause(info),
                 "suspend": lambda: self.driver.suspend(info),
                 "resume": lambda: self.driver.resume(info)}
        try:
            calls[action]()
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            # A failed action leaves the server as it was, with the reason in its fault.
            db.update_instance(self.db, instance_uuid, expected_task=task, task_state=None,
                               fault=fault_from(exc))
            return
        db.update_instance(self.db, instance_uuid, expected_task=task,
                           vm_state=transition.final, task_state=None,
                           power_state=transition.power)
        actions.finish_event(self.db, event, "Success")

    # -- snapshots -------------------------------------------------------------------------
    def snapshot_instance(self, ctx: dict[str, Any], instance_uuid: str, image_id: str) -> None:
        self.deps.snapshots.capture(ctx, instance_uuid, image_id, self.driver, self.host)

    # -- volumes ---------------------------------------------------------------------------
    def _bdm(self, instance_uuid: str, bdm_id: str) -> VolumeAttachment | None:
        return bdms_db.find_attachment(self.db, instance_uuid, bdm_id=bdm_id)

    def attach_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str) -> None:
        row = db.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        if row is None or bdm is None or bdm.attachment_id is None:
            return
        volumes = self.deps.volumes
        info = instance_dict(row)
        event = actions.start_event(self.db, ctx, instance_uuid, "compute_attach_volume",
                                    self.host)
        try:
            connector = self.driver.get_volume_connector(info)
            attachment = volumes.update_attachment(bdm.attachment_id, connector)
            self.driver.attach_volume(info, attachment.get("connection_info") or {},
                                      bdm.device_name)
            volumes.complete_attachment(bdm.attachment_id)
        except Exception as exc:
            LOG.warning("attaching volume %s to %s failed: %s", bdm.volume_id, instance_uuid, exc)
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            try:
                volumes.delete_attachment(bdm.attachment_id)
            except NimbusError:
                LOG.warning("could not delete attachment %s", bdm.attachment_id)
            bdms_db.remove_attachment(self.db, bdm_id)
            return
        bdms_db.update_attachment(self.db, bdm_id, status=AttachmentStatus.ATTACHED)
        actions.finish_event(self.db, event, "Success")

    def detach_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str) -> None:
        row = db.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        if row is None or bdm is None:
            return
        event = actions.start_event(self.db, ctx, instance_uuid, "compute_detach_volume",
                                    self.host)
        try:
            self.driver.detach_volume(instance_dict(row), None, bdm.device_name)
            if bdm.attachment_id:
                self.deps.volumes.delete_attachment(bdm.attachment_id)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            bdms_db.update_attachment(self.db, bdm_id, status=AttachmentStatus.ATTACHED)
            return
        bdms_db.remove_attachment(self.db, bdm_id)
        actions.finish_event(self.db, event, "Success")


class _Vanished(Exception):
    """The server was deleted while we built it."""
