"""The compute agent: one per hypervisor host, serving RPC on topic ``compute`` for its host.

It owns the guest's lifecycle on the host: ports (through the network API), the driver, volume
connections (through Cinder's attachments API) and the Placement allocation when a server goes.
The work itself is ``work.GuestWork``'s; this is the agent's life (its Placement registration,
its start-up recovery) and its RPC handlers.

Every handler is idempotent: a message may come again after a crash (the bus acknowledges it
only once handled), so each looks at the server first and drops a message for one that has
moved on. The agent serves its topic before it recovers (so that nothing cast meanwhile is
lost) and recovers on a thread of its own (so that the cloud answers meanwhile), but handles
no message until the recovery is done.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from nimbus.compute.agent.events import EventsEndpoint
from nimbus.compute.agent.lifecycle import LifecycleWork
from nimbus.compute.agent.moves import MoveWork
from nimbus.compute.agent.periodic import PeriodicTasks
from nimbus.compute.agent.recovery import recover
from nimbus.compute.agent.volume_extend import extend_volume
from nimbus.compute.agent.volume_swap import VolumeSwapWork
from nimbus.compute.agent.work import AgentDeps, GuestWork
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.db.fake_guests import GuestRecords
from nimbus.compute.db.models import Instance, Migration, VolumeAttachment
from nimbus.compute.drivers.base import ComputeDriver
from nimbus.compute.manager import claims
from nimbus.compute.manager.guests import instance_dict, request_spec_of
from nimbus.compute.rpcapi import COMPUTE_EVENTS_TOPIC, COMPUTE_TOPIC, ComputeAgentAPI
from nimbus.compute.states import AttachmentStatus, TaskState, VmState, action_task
from nimbus.core.errors import Conflict
from nimbus.core.periodic import after_start

__all__ = ["AgentDeps", "ComputeAgent"]

LOG = logging.getLogger(__name__)


class ComputeAgent:
    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"build_instance", "terminate_instance", "server_action",
                             "snapshot_instance", "attach_volume", "detach_volume",
                             "rebuild_instance", "resize_instance", "finish_resize",
                             "confirm_resize", "revert_resize", "finish_revert_resize",
                             "live_migrate", "post_live_migration", "shelve_instance",
                             "shelve_offload", "unshelve_instance", "crash_dump",
                             "console_output", "get_console", "diagnostics",
                             "attach_interface", "detach_interface", "evacuate_instance",
                             "soft_delete_instance", "restore_instance", "swap_volume",
                             "volume_snapshot_create", "volume_snapshot_delete"})

    def __init__(self, deps: AgentDeps, host: str, driver: ComputeDriver) -> None:
        self.deps = deps
        self.db = deps.db
        self.host = host
        self.driver = driver
        # A driver that simulates its host keeps its guests in the database (see fake.py).
        driver.attach(GuestRecords(deps.db, host))
        driver.use_images(deps.images)
        driver.use_volumes(deps.volumes)
        # The work on the host's guests; held, not inherited, so that the bus reaches only
        # the RPC methods below, never a step of the work directly.
        self.work = GuestWork(deps, host, driver)
        self.moves = MoveWork(self.work, ComputeAgentAPI(deps.bus))
        self.lifecycle = LifecycleWork(self.work)
        self.swaps = VolumeSwapWork(self.work)
        self.periodic = PeriodicTasks(self.work, ComputeAgentAPI(deps.bus))
        # Builds this agent runs now.
        self._building: set[str] = set()
        self._building_lock = threading.Lock()
        self._server: Any = None
        self._events_server: Any = None
        self._stop = threading.Event()
        self._retry: threading.Thread | None = None
        # Set once the start-up recovery is done; messages wait for it.
        self.recovered = threading.Event()

    @property
    def rp_uuid(self) -> str | None:
        """The host's resource provider in Placement, once known."""
        return self.work.rp_uuid

    @rp_uuid.setter
    def rp_uuid(self, value: str | None) -> None:
        self.work.rp_uuid = value

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
        self._server = self.deps.bus.serve(COMPUTE_TOPIC, self.host, self,
                                           workers=self.deps.workers)
        self._events_server = self.deps.bus.serve(COMPUTE_EVENTS_TOPIC, self.host,
                                                  EventsEndpoint(self.work.events,
                                                                 self._volume_extended))
        self.deps.registry.register(AGENT_BINARY, self.host, COMPUTE_TOPIC,
                                    details={"cpu_info": self.driver.cpu_info()})
        # Behind: resumed builds take as long as builds do, and the cloud answers meanwhile.
        threading.Thread(target=self._recover, daemon=True, name=f"recover-{self.host}").start()
        self.periodic.start(self.recovered, self._stop)

    def _volume_extended(self, ctx: dict[str, Any], server_uuid: str, volume_id: str) -> None:
        extend_volume(self.work, server_uuid, volume_id, ctx)

    def _recover(self) -> None:
        try:
            recover(self.work, parallel=self.deps.workers)
        finally:
            self.recovered.set()

    def stop(self) -> None:
        self._stop.set()
        for server in (self._server, self._events_server):
            if server is not None:
                server.stop()
        self.driver.cleanup_host()

    def _retry_register(self) -> None:
        while not self._stop.wait(5) and not self._register_provider():
            pass

    def _confirm_register(self) -> None:
        if not after_start(self.deps.started, self._stop):
            return
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

    # -- RPC -------------------------------------------------------------------------------
    def build_instance(self, ctx: dict[str, Any], instance_uuid: str,
                       request_spec: dict[str, Any], allocations: dict[str, Any]) -> None:
        self.recovered.wait()
        with self._building_lock:
            if instance_uuid in self._building:
                # The same build cast again (a scheduler that stopped before acknowledging
                # it): one is enough.
                LOG.info("dropping a second build of instance %s", instance_uuid)
                return
            self._building.add(instance_uuid)
        try:
            # Read once the build is ours: one that ran meanwhile has moved the row on.
            row = db.find_instance(self.db, instance_uuid)
            if row is None or row.task_state == TaskState.DELETING:
                claims.free(self.deps.placement, instance_uuid)
                return
            if (row.vm_state != VmState.BUILDING or row.task_state != TaskState.NETWORKING
                    or row.host != self.host):
                LOG.info("dropping a build of instance %s, which is %s/%s on %s",
                         instance_uuid, row.vm_state, row.task_state, row.host)
                return
            self.work.build(ctx, row, request_spec or request_spec_of(row))
        finally:
            with self._building_lock:
                self._building.discard(instance_uuid)

    def terminate_instance(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        self.recovered.wait()
        row = db.find_instance(self.db, instance_uuid)
        if row is None or row.task_state != TaskState.DELETING:
            return
        self.work.terminate(ctx, row)

    def server_action(self, ctx: dict[str, Any], instance_uuid: str, action: str,
                      hard: bool = False, args: dict[str, Any] | None = None) -> None:
        self.recovered.wait()
        row = db.find_instance(self.db, instance_uuid)
        # The task the API set; a delete that took the server over since is left alone, and
        # an action already done (a message again) is not done twice.
        if row is None or row.task_state != action_task(action, hard):
            return
        self.work.act(ctx, row, action, hard, args=args)

    def _doing(self, instance_uuid: str, task: str | None) -> Instance | None:
        """The server, if it is still doing ``task`` (a message for one that moved on since,
        or that came again after a crash, is dropped)."""
        self.recovered.wait()
        row = db.find_instance(self.db, instance_uuid)
        if row is None or row.task_state != task:
            LOG.info("dropping a message for instance %s, now %s", instance_uuid,
                     None if row is None else row.task_state)
            return None
        return row

    def _moving(self, instance_uuid: str, task: str,
                migration_uuid: str) -> tuple[Instance, Migration] | None:
        row = self._doing(instance_uuid, task)
        migration = migrations.find_migration(self.db, migration_uuid)
        return None if row is None or migration is None else (row, migration)

    def rebuild_instance(self, ctx: dict[str, Any], instance_uuid: str,
                         image: dict[str, Any]) -> None:
        row = self._doing(instance_uuid, TaskState.REBUILDING)
        if row is not None:
            self.lifecycle.rebuild(ctx, row, image)

    def evacuate_instance(self, ctx: dict[str, Any], instance_uuid: str, migration_uuid: str,
                          stopped: bool = False) -> None:
        found = self._moving(instance_uuid, TaskState.REBUILDING, migration_uuid)
        if found is not None and found[0].host == self.host:
            self.lifecycle.evacuate(ctx, *found, stopped)

    def soft_delete_instance(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = self._doing(instance_uuid, TaskState.SOFT_DELETING)
        if row is not None:
            self.lifecycle.soft_delete(ctx, row)

    def restore_instance(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = self._doing(instance_uuid, TaskState.RESTORING)
        if row is not None:
            self.lifecycle.restore(ctx, row)

    def resize_instance(self, ctx: dict[str, Any], instance_uuid: str, migration_uuid: str,
                        dest_host: str) -> None:
        found = self._moving(instance_uuid, TaskState.RESIZE_PREP, migration_uuid)
        if found is not None:
            self.moves.resize_instance(ctx, *found, dest_host)

    def finish_resize(self, ctx: dict[str, Any], instance_uuid: str, migration_uuid: str,
                      disk_info: dict[str, Any]) -> None:
        found = self._moving(instance_uuid, TaskState.RESIZE_MIGRATING, migration_uuid)
        if found is not None:
            self.moves.finish_resize(ctx, *found, disk_info)

    def confirm_resize(self, ctx: dict[str, Any], instance_uuid: str,
                       migration_uuid: str) -> None:
        found = self._moving(instance_uuid, TaskState.RESIZE_CONFIRMING, migration_uuid)
        if found is not None:
            self.moves.confirm_resize(ctx, *found)

    def revert_resize(self, ctx: dict[str, Any], instance_uuid: str,
                      migration_uuid: str) -> None:
        found = self._moving(instance_uuid, TaskState.RESIZE_REVERTING, migration_uuid)
        if found is not None:
            self.moves.revert_resize(ctx, *found)

    def finish_revert_resize(self, ctx: dict[str, Any], instance_uuid: str,
                             migration_uuid: str) -> None:
        found = self._moving(instance_uuid, TaskState.RESIZE_REVERTING, migration_uuid)
        if found is not None:
            self.moves.finish_revert_resize(ctx, *found)

    def live_migrate(self, ctx: dict[str, Any], instance_uuid: str, migration_uuid: str,
                     dest_host: str) -> None:
        found = self._moving(instance_uuid, TaskState.MIGRATING, migration_uuid)
        if found is not None:
            self.moves.live_migrate(ctx, *found, dest_host)

    def post_live_migration(self, ctx: dict[str, Any], instance_uuid: str, migration_uuid: str,
                            migrate_data: dict[str, Any]) -> None:
        found = self._moving(instance_uuid, TaskState.MIGRATING, migration_uuid)
        if found is not None:
            self.moves.post_live_migration(ctx, *found, migrate_data)

    def shelve_instance(self, ctx: dict[str, Any], instance_uuid: str, offload: bool) -> None:
        row = self._doing(instance_uuid, TaskState.SHELVING)
        if row is not None:
            self.lifecycle.shelve(ctx, row, offload)

    def shelve_offload(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = self._doing(instance_uuid, TaskState.SHELVING_OFFLOADING)
        if row is not None:
            self.lifecycle.offload(ctx, row)

    def unshelve_instance(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = self._doing(instance_uuid, TaskState.UNSHELVING)
        if row is not None:
            self.lifecycle.unshelve(ctx, row)

    def attach_interface(self, ctx: dict[str, Any], instance_uuid: str,
                         requested: dict[str, Any]) -> dict[str, Any]:
        row = self._doing(instance_uuid, None)
        if row is None:
            raise Conflict(f"Instance {instance_uuid} is busy; try again.")
        return self.lifecycle.attach_interface(ctx, row, requested)

    def detach_interface(self, ctx: dict[str, Any], instance_uuid: str, port_id: str) -> None:
        row = self._doing(instance_uuid, None)
        if row is not None:
            self.lifecycle.detach_interface(ctx, row, port_id)

    def crash_dump(self, ctx: dict[str, Any], instance_uuid: str) -> None:
        row = self._doing(instance_uuid, None)
        if row is not None:
            self.lifecycle.crash_dump(ctx, row)

    # What the guest shows: answered at once, from the driver (its faults reach the caller).
    def console_output(self, ctx: dict[str, Any], instance_uuid: str) -> str:
        return self.driver.get_console_output(self._guest(instance_uuid))

    def get_console(self, ctx: dict[str, Any], instance_uuid: str,
                    console_type: str) -> dict[str, Any]:
        return self.driver.get_console(self._guest(instance_uuid), console_type)

    def diagnostics(self, ctx: dict[str, Any], instance_uuid: str) -> dict[str, Any]:
        return self.driver.get_diagnostics(self._guest(instance_uuid))

    def _guest(self, instance_uuid: str) -> dict[str, Any]:
        return instance_dict(db.get_instance(self.db, instance_uuid))

    def snapshot_instance(self, ctx: dict[str, Any], instance_uuid: str, image_id: str) -> None:
        self.recovered.wait()
        self.deps.snapshots.capture(ctx, instance_uuid, image_id, self.driver, self.host)

    def attach_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str) -> None:
        self.recovered.wait()
        row = db.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        if row is None or bdm is None or bdm.attachment_id is None \
                or bdm.status != AttachmentStatus.ATTACHING:
            return
        self.work.attach(ctx, row, bdm)

    def detach_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str) -> None:
        self.recovered.wait()
        row = db.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        if row is None or bdm is None or bdm.status != AttachmentStatus.DETACHING:
            return
        self.work.detach(ctx, row, bdm)

    def swap_volume(self, ctx: dict[str, Any], instance_uuid: str, bdm_id: str,
                    new_volume_id: str, new_attachment_id: str) -> None:
        self.recovered.wait()
        row = db.find_instance(self.db, instance_uuid)
        bdm = self._bdm(instance_uuid, bdm_id)
        # Already on the new attachment: this swap was done before a restart.
        if row is None or bdm is None or bdm.attachment_id == new_attachment_id:
            return
        self.swaps.swap(ctx, row, bdm, new_volume_id, new_attachment_id)

    def volume_snapshot_create(self, ctx: dict[str, Any], instance_uuid: str, volume_id: str,
                               create_info: dict[str, Any]) -> None:
        row = self._doing(instance_uuid, None)
        if row is not None:
            self.swaps.snapshot_create(ctx, row, volume_id, create_info)

    def volume_snapshot_delete(self, ctx: dict[str, Any], instance_uuid: str, volume_id: str,
                               snapshot_id: str, delete_info: dict[str, Any]) -> None:
        row = self._doing(instance_uuid, None)
        if row is not None:
            self.swaps.snapshot_delete(ctx, row, volume_id, snapshot_id, delete_info)

    def _bdm(self, instance_uuid: str, bdm_id: str) -> VolumeAttachment | None:
        return bdms_db.find_attachment(self.db, instance_uuid, bdm_id=bdm_id)
