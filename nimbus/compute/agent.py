"""The compute agent: one per hypervisor host, serving RPC on topic ``compute`` for its host.

It owns the guest's lifecycle on the host: ports (through the network API), the driver, volume
connections (through Cinder's attachments API) and the Placement allocation when a server goes.
Everything it calls runs with the ``nova`` service user's credentials, never the user's token.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from nimbus.compute import block_devices, faults, image_checks, networking, snapshots
from nimbus.compute.db import api as dbapi
from nimbus.compute.db.models import Instance
from nimbus.compute.drivers.base import ComputeDriver
from nimbus.compute.states import ACTIONS, PowerState, TaskState, VmState
from nimbus.core.db.base import utcnow
from nimbus.core.errors import NimbusError
from nimbus.core.plugins import load_driver

if TYPE_CHECKING:
    from nimbus.compute.state import ComputeState

LOG = logging.getLogger(__name__)
BINARY = "nova-compute"


def instance_dict(row: Instance) -> dict[str, Any]:
    """What a driver sees of a server."""
    return {"uuid": row.uuid, "name": f"instance-{row.id:08x}", "display_name": row.name,
            "project_id": row.project_id, "user_id": row.user_id, "flavor": dict(row.flavor),
            "image_ref": row.image_ref, "metadata": dict(row.metadata_items or {}),
            "key_data": row.key_data, "user_data": row.user_data, "hostname": row.hostname,
            "ports": list(row.ports or []), "security_groups": list(row.security_groups or [])}


class ComputeAgent:
    RPC_VERSION = "1.0"

    def __init__(self, state: ComputeState, host: str) -> None:
        self.state = state
        self.host = host
        self.db = state.db
        settings = state.cloud.settings
        self.driver: ComputeDriver = load_driver("compute", settings.compute.driver)(host, settings)
        self.rp_uuid: str | None = None
        self._server: Any = None
        self._stop = threading.Event()
        self._retry: threading.Thread | None = None

    # -- life of the agent -----------------------------------------------------------------
    def start(self) -> None:
        self.driver.init_host()
        if not self._register_provider():
            self._retry = threading.Thread(target=self._retry_register, daemon=True,
                                           name=f"rp-register-{self.host}")
            self._retry.start()
        self.state.cloud.registry.register(BINARY, self.host, "compute")
        self._server = self.state.cloud.bus.serve("compute", self.host, self)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.stop()

    def _retry_register(self) -> None:
        while not self._stop.wait(5) and not self._register_provider():
            pass

    def _register_provider(self) -> bool:
        """Make sure Placement knows this host and its capacity; False when it could not."""
        try:
            placement = self.state.clients.placement
            provider = placement.find_provider(self.host) or placement.create_provider(self.host)
            self.rp_uuid = provider["uuid"]
            res = self.driver.get_available_resource()
            inventories = {
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
            placement.set_inventories(provider["uuid"], provider["generation"], inventories)
            return True
        except Exception as exc:
            LOG.warning("could not register %s in placement yet: %s", self.host, exc)
            return False

    # -- build -----------------------------------------------------------------------------
    def build_instance(self, ctx: dict[str, Any], instance_uuid: str,
                       request_spec: dict[str, Any], allocations: dict[str, Any]) -> None:
        row = dbapi.find_instance(self.db, instance_uuid)
        if row is None or row.task_state == TaskState.DELETING:
            self._free_allocation(instance_uuid)
            return
        event = dbapi.start_event(self.db, ctx, instance_uuid,
                                  "compute__do_build_and_run_instance", self.host)
        clients = self.state.clients
        ports: list[dict[str, Any]] = []
        try:
            image = request_spec.get("image")
            if image:
                # Before any port exists: a refused image is the cheapest failure there is.
                image_checks.verify_image(clients.image, image)
            ports = networking.allocate(clients.network, instance_dict(row), self.host,
                                        list(row.requested_networks or []))
            row = dbapi.update_instance(self.db, instance_uuid, expected_task=TaskState.NETWORKING,
                                        task_state=TaskState.SPAWNING, ports=ports)
            if row is None:
                raise _Vanished()
            info = instance_dict(row)
            connected = block_devices.connect_all(self.state, self.driver, info, self.db)
            self.driver.spawn(info, request_spec.get("image"), connected)
        except _Vanished:
            # Deleted while we built: the terminate message queued behind us finishes the job.
            networking.deallocate(clients.network, ports)
            if dbapi.find_instance(self.db, instance_uuid) is None:
                self._free_allocation(instance_uuid)
            return
        except Exception as exc:
            dbapi.finish_event(self.db, event, "Error", traceback=str(exc))
            networking.deallocate(clients.network, ports)
            self._free_allocation(instance_uuid)
            dbapi.update_instance(self.db, instance_uuid, ports=[])
            faults.set_error(self.db, instance_uuid, exc)
            return
        done = dbapi.update_instance(self.db, instance_uuid, expected_task=TaskState.SPAWNING,
                                     vm_state=VmState.ACTIVE, task_state=None,
                                     power_state=PowerState.RUNNING, launched_at=utcnow())
        dbapi.finish_event(self.db, event, "Success")
        if done is None and dbapi.find_instance(self.db, instance_uuid) is None:
            # Removed while it spawned (its host looked down to the API): undo it all here.
            self.driver.destroy({"uuid": instance_uuid, "metadata": {}})
            networking.deallocate(clients.network, ports)
            self._free_allocation(instance_uuid)

    def _free_allocation(self, instance_uuid: str) -> None:
        try:
            self.state.clients.placement.delete_allocations(instance_uuid)
        except NimbusError as exc:
            LOG.warning("could not free the allocation of %s: %s", instance_uuid, exc)

    # -- delete ----------------------------------------------------------------------------
    def terminate_instance(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = dbapi.find_instance(self.db, instance_uuid)
        if row is None:
            return
        event = dbapi.start_event(self.db, ctx, instance_uuid, "compute_terminate_instance",
                                  self.host)
        try:
            self._terminate(row)
        except Exception as exc:
            dbapi.finish_event(self.db, event, "Error", traceback=str(exc))
            faults.set_error(self.db, instance_uuid, exc)
            return
        dbapi.finish_event(self.db, event, "Success")

    def _terminate(self, row: Instance) -> None:
        info = instance_dict(row)
        if row.uuid in self.driver.list_instances():
            self.driver.destroy(info)
        clients = self.state.clients
        block_devices.release_all(self.state, row.uuid, self.db, self.driver, info)
        networking.deallocate(clients.network, list(row.ports or []))
        self._free_allocation(row.uuid)
        dbapi.destroy_instance(self.db, row.uuid)

    # -- actions ---------------------------------------------------------------------------
    def server_action(self, ctx: dict[str, Any], instance_uuid: str, action: str,
                      hard: bool = False) -> None:
        row = dbapi.find_instance(self.db, instance_uuid)
        if row is None:
            return
        transition = ACTIONS[action]
        info = instance_dict(row)
        event = dbapi.start_event(self.db, ctx, instance_uuid, f"compute_{action}_instance",
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
            dbapi.finish_event(self.db, event, "Error", traceback=str(exc))
            # A failed action leaves the server as it was, with the reason in its fault.
            dbapi.update_instance(self.db, instance_uuid, task_state=None,
                                  fault=faults.fault_from(exc))
            return
        dbapi.update_instance(self.db, instance_uuid, vm_state=transition.final,
                              task_state=None, power_state=transition.power)
        dbapi.finish_event(self.db, event, "Success")

    # -- snapshots -------------------------------------------------------------------------
    def snapshot_instance(self, ctx: dict[str, Any], instance_uuid: str, image_id: str) -> None:
        snapshots.capture_and_upload(self, ctx, instance_uuid, image_id)

    # -- volumes ---------------------------------------------------------------------------
    def _bdm(self, instance_uuid: str, bdm_id: str) -> Any:
        for bdm in dbapi.attachments_of(self.db, instance_uuid):
            if bdm.id == bdm_id:
                return bdm
        return None

    def attach_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str) -> None:
        row = dbapi.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        if row is None or bdm is None:
            return
        volumes = self.state.clients.volume
        info = instance_dict(row)
        event = dbapi.start_event(self.db, ctx, instance_uuid, "compute_attach_volume",
                                  self.host)
        try:
            connector = self.driver.get_volume_connector(info)
            attachment = volumes.update_attachment(bdm.attachment_id, connector)
            self.driver.attach_volume(info, attachment.get("connection_info") or {},
                                      bdm.device_name)
            volumes.complete_attachment(bdm.attachment_id)
        except Exception as exc:
            LOG.warning("attaching volume %s to %s failed: %s", bdm.volume_id, instance_uuid, exc)
            dbapi.finish_event(self.db, event, "Error", traceback=str(exc))
            try:
                volumes.delete_attachment(bdm.attachment_id)
            except NimbusError:
                LOG.warning("could not delete attachment %s", bdm.attachment_id)
            dbapi.remove_attachment(self.db, bdm_id)
            return
        dbapi.update_attachment(self.db, bdm_id, status="attached")
        dbapi.finish_event(self.db, event, "Success")

    def detach_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str) -> None:
        row = dbapi.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        if row is None or bdm is None:
            return
        event = dbapi.start_event(self.db, ctx, instance_uuid, "compute_detach_volume",
                                  self.host)
        try:
            self.driver.detach_volume(instance_dict(row), None, bdm.device_name)
            if bdm.attachment_id:
                self.state.clients.volume.delete_attachment(bdm.attachment_id)
        except Exception as exc:
            dbapi.finish_event(self.db, event, "Error", traceback=str(exc))
            dbapi.update_attachment(self.db, bdm_id, status="attached")
            return
        dbapi.remove_attachment(self.db, bdm_id)
        dbapi.finish_event(self.db, event, "Success")


class _Vanished(Exception):
    """The server was deleted while we built it."""
