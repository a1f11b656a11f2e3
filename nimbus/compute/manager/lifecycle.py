"""The server actions of several steps, on the API side: rebuild, resize and migrations,
shelve, and the guest's own actions (rescue, password, crash dump).

Each checks the server's state, records the action and its task, and casts: to the server's
host when the work stays there, to the scheduler when a host must be chosen (a resize, a
migration, an unshelve of an offloaded server). The agent moves the server on from there.
"""

from __future__ import annotations

import secrets
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.compute import states
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.db.models import Instance
from nimbus.compute.manager.block_devices import is_root
from nimbus.compute.manager.flavors import FlavorManager, snapshot
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.manager.quotas import QuotaManager
from nimbus.compute.manager.servers import ServerManager, check_lock
from nimbus.compute.manager.snapshots import image_body
from nimbus.compute.rpcapi import ComputeAgentAPI, SchedulerAPI
from nimbus.compute.states import TaskState, VmState
from nimbus.conf.compute import ComputeSettings
from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound


def new_password() -> str:
    """An admin password for a guest, as Nova makes one when none is given."""
    return secrets.token_urlsafe(9)


class ServerLifecycle:
    def __init__(self, db: Database, *, servers: ServerManager, flavors: FlavorManager,
                 images: ImageClient, hosts: HostManager, scheduler_rpc: SchedulerAPI,
                 compute_rpc: ComputeAgentAPI, settings: ComputeSettings,
                 quotas: QuotaManager | None = None) -> None:
        self.db = db
        self.servers = servers
        self.flavors = flavors
        self.images = images
        self.hosts = hosts
        self.scheduler_rpc = scheduler_rpc
        self.compute_rpc = compute_rpc
        self.settings = settings
        self.quotas = quotas

    # -- shared steps ----------------------------------------------------------------------
    def _start(self, ctx: RequestContext, row: Instance, action: str, task: str,
               **values: Any) -> Instance:
        """Take the server for ``action``: its task set (only if it had none) and the action
        recorded; 409 when it is busy or its host's agent is down."""
        check_lock(ctx, row)
        if row.host and not self.hosts.agent_up(row.host):
            raise Conflict(f"Cannot '{action}' instance {row.uuid}: the compute service of "
                           f"host {row.host} is down.")
        marked = db.update_instance(self.db, row.uuid, expected_task=None, task_state=task,
                                    **values)
        if marked is None:
            raise Conflict(f"Instance {row.uuid} is busy; try again.")
        actions.record_action(self.db, ctx.to_dict(), row.uuid, action)
        return marked

    def _image(self, ctx: RequestContext, image_ref: str, row: Instance,
               flavor: dict[str, Any]) -> dict[str, Any]:
        images = self.images.acting_for(ctx.auth_token, ctx.project_id)
        return self.servers.check_image(images, image_ref, str(row.project_id),
                                        int(flavor.get("ram", 0)), int(flavor.get("disk", 0)))

    # -- rebuild ---------------------------------------------------------------------------
    def rebuild(self, ctx: RequestContext, row: Instance, args: dict[str, Any],
                want_password: bool) -> tuple[Instance, str | None]:
        """A fresh root disk from ``imageRef`` (and new name, metadata, key, user data when
        given); the server keeps its id, ports and volumes."""
        states.check_flow("rebuild", row.uuid, row.vm_state, row.task_state)
        if any(is_root(b) for b in bdms_db.attachments_of(self.db, row.uuid)) \
                and args["imageRef"] != row.image_ref:
            raise BadRequest("Unable to rebuild with a different image for a volume-backed "
                             "server.")
        image = self._image(ctx, args["imageRef"], row, dict(row.flavor or {}))
        values: dict[str, Any] = {"image_ref": image["id"], "fault": None}
        for field, column in (("name", "name"), ("description", "description"),
                              ("accessIPv4", "access_ipv4"), ("accessIPv6", "access_ipv6"),
                              ("user_data", "user_data"), ("hostname", "hostname")):
            if field in args:
                values[column] = args[field] if args[field] is not None else (
                    "" if column.startswith("access") else None)
        if "metadata" in args:
            values["metadata_items"] = dict(args["metadata"] or {})
        if "OS-DCF:diskConfig" in args:
            values["auto_disk_config"] = args["OS-DCF:diskConfig"] == "AUTO"
        if "key_name" in args:
            key = (self.servers.keypairs.for_server(str(ctx.user_id), args["key_name"])
                   if args["key_name"] else None)
            values["key_name"] = key["name"] if key else None
            values["key_data"] = key["public_key"] if key else None
        spec = dict(row.request_spec or {}, image=image)
        marked = self._start(ctx, row, "rebuild", TaskState.REBUILDING, request_spec=spec,
                             **values)
        password = args.get("adminPass") or (new_password() if want_password else None)
        self.compute_rpc.rebuild_instance(ctx.to_dict(), str(row.host), row.uuid, image)
        return marked, password

    # -- resize and migrations -------------------------------------------------------------
    def resize(self, ctx: RequestContext, row: Instance, flavor_ref: str,
               disk_config: str | None = None) -> None:
        states.check_flow("resize", row.uuid, row.vm_state, row.task_state)
        try:
            flavor = self.flavors.get(flavor_ref)
        except NotFound:
            raise BadRequest(f"Flavor {flavor_ref} could not be found.") from None
        if flavor.flavorid == row.flavor_id:
            raise BadRequest("When resizing, instances must change flavor!")
        new = snapshot(flavor)
        if any(is_root(b) for b in bdms_db.attachments_of(self.db, row.uuid)):
            new_disk_ok = True      # a volume-backed root disk does not change
        else:
            new_disk_ok = int(new.get("disk", 0)) >= int((row.flavor or {}).get("disk", 0)) \
                or int(new.get("disk", 0)) == 0
        if not new_disk_ok:
            raise BadRequest("Resize error: Unable to resize disk down.")
        self._check_upsize(row, new)
        extra = {"auto_disk_config": disk_config == "AUTO"} if disk_config else {}
        self._move(ctx, row, "resize", new, force_host=None, **extra)

    def _check_upsize(self, row: Instance, new: dict[str, Any]) -> None:
        """A bigger flavor must fit in the project's (and its user's) cores and RAM quota, as
        Nova checks the growth before a resize; 403 naming what is over."""
        if self.quotas is None:
            return
        old = dict(row.flavor or {})
        growth = {"cores": int(new.get("vcpus", 0)) - int(old.get("vcpus", 0)),
                  "ram": int(new.get("ram", 0)) - int(old.get("ram", 0))}
        growth = {key: amount for key, amount in growth.items() if amount > 0}
        for user in (None, row.user_id):
            limits = self.quotas.limits(row.project_id, user)
            used = self.quotas.usage(row.project_id, user)
            overs = [k for k in growth if 0 <= limits[k] < used[k] + growth[k]]
            if overs:
                names = ", ".join(overs)
                raise Forbidden(
                    f"Quota exceeded for {names}: Requested "
                    f"{', '.join(str(growth[k]) for k in overs)}, but already used "
                    f"{', '.join(str(used[k]) for k in overs)} of "
                    f"{', '.join(str(limits[k]) for k in overs)} {names}")

    def migrate(self, ctx: RequestContext, row: Instance, host: str | None) -> None:
        """A cold migration: the same flavor on another host (``host``, or the scheduler's
        choice)."""
        states.check_flow("migrate", row.uuid, row.vm_state, row.task_state)
        if host is not None:
            self._check_target(row, host)
        self._move(ctx, row, "migrate", dict(row.flavor or {}), force_host=host)

    def _check_target(self, row: Instance, host: str) -> None:
        if self.hosts.find(AGENT_BINARY, host) is None:
            raise BadRequest(f"Compute host {host} could not be found.")
        if host == row.host:
            raise BadRequest(f"The target host can't be the same one ({host}).")

    def _move(self, ctx: RequestContext, row: Instance, name: str, flavor: dict[str, Any],
              force_host: str | None, **values: Any) -> None:
        kind = "resize" if name == "resize" else "migration"
        migration = migrations.create_migration(
            self.db, instance_uuid=row.uuid, migration_type=kind, status="pre-migrating",
            source_compute=row.host, old_flavor_id=row.flavor_id,
            new_flavor_id=str(flavor.get("id", row.flavor_id)), project_id=row.project_id,
            user_id=row.user_id)
        try:
            self._start(ctx, row, name, TaskState.RESIZE_PREP, old_flavor=dict(row.flavor),
                        new_flavor=flavor, fault=None, **values)
        except Exception:
            migrations.update_migration(self.db, migration.uuid, status="error")
            raise
        spec = {"flavor": flavor, "project_id": row.project_id, "user_id": row.user_id,
                "force_host": force_host, "image": (row.request_spec or {}).get("image"),
                "source_host": row.host,
                "same_host": name == "resize" and self.settings.allow_resize_to_same_host,
                # A move keeps to the hints the server was created with, as Nova's does.
                "scheduler_hints": (row.request_spec or {}).get("scheduler_hints") or {}}
        self.scheduler_rpc.schedule_move(ctx.to_dict(), row.uuid, name, migration.uuid, spec)

    def confirm_resize(self, ctx: RequestContext, row: Instance) -> None:
        migration = self._awaiting(row, "confirmResize")
        self._start(ctx, row, "confirmResize", TaskState.RESIZE_CONFIRMING)
        self.compute_rpc.confirm_resize(ctx.to_dict(), str(migration.source_compute), row.uuid,
                                        migration.uuid)

    def revert_resize(self, ctx: RequestContext, row: Instance) -> None:
        migration = self._awaiting(row, "revertResize")
        self._start(ctx, row, "revertResize", TaskState.RESIZE_REVERTING)
        migrations.update_migration(self.db, migration.uuid, status="reverting")
        self.compute_rpc.revert_resize(ctx.to_dict(), str(migration.dest_compute), row.uuid,
                                       migration.uuid)

    def _awaiting(self, row: Instance, name: str) -> Any:
        states.check_flow(name, row.uuid, row.vm_state, row.task_state)
        migration = migrations.current_migration(self.db, row.uuid)
        if migration is None or migration.status != migrations.AWAITING_CONFIRM:
            raise BadRequest(f"Instance {row.uuid} has not been resized.")
        return migration

    def live_migrate(self, ctx: RequestContext, row: Instance, host: str | None) -> None:
        states.check_flow("os-migrateLive", row.uuid, row.vm_state, row.task_state)
        if host is not None:
            self._check_target(row, host)
        migration = migrations.create_migration(
            self.db, instance_uuid=row.uuid, migration_type="live-migration", status="queued",
            source_compute=row.host, old_flavor_id=row.flavor_id, new_flavor_id=row.flavor_id,
            project_id=row.project_id, user_id=row.user_id)
        try:
            self._start(ctx, row, "live-migration", TaskState.MIGRATING, fault=None)
        except Exception:
            migrations.update_migration(self.db, migration.uuid, status="error")
            raise
        spec = {"flavor": dict(row.flavor or {}), "project_id": row.project_id,
                "user_id": row.user_id, "force_host": host, "source_host": row.host,
                "same_host": False}
        self.scheduler_rpc.schedule_move(ctx.to_dict(), row.uuid, "os-migrateLive",
                                         migration.uuid, spec)

    # -- evacuate --------------------------------------------------------------------------
    def evacuate(self, ctx: RequestContext, row: Instance, host: str | None,
                 to_stopped: bool) -> None:
        """Rebuild the server on another host, its own host's agent being down: ``host``, or
        the scheduler's choice. It keeps its id, ports and volumes; a migration record of type
        ``evacuation`` follows it, for the source host to clean up when it comes back."""
        if host is not None:
            if self.hosts.find(AGENT_BINARY, host) is None:
                raise NotFound(f"Compute host {host} not found.")
            if host == row.host:
                raise BadRequest("The target host can't be the same one.")
        states.check_flow("evacuate", row.uuid, row.vm_state, row.task_state)
        if not row.host:
            raise states.invalid_state("evacuate", row.uuid, "vm_state", row.vm_state)
        if self.hosts.agent_up(row.host):
            raise BadRequest(f"Compute service of {row.host} is still in use.")
        migration = migrations.create_migration(
            self.db, instance_uuid=row.uuid, migration_type="evacuation", status="accepted",
            source_compute=row.host, dest_compute=host, old_flavor_id=row.flavor_id,
            new_flavor_id=row.flavor_id, project_id=row.project_id, user_id=row.user_id)
        if db.update_instance(self.db, row.uuid, expected_task=None,
                              task_state=TaskState.REBUILDING, fault=None) is None:
            migrations.update_migration(self.db, migration.uuid, status="error")
            raise Conflict(f"Instance {row.uuid} is busy; try again.")
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "evacuate")
        spec = {"flavor": dict(row.flavor or {}), "project_id": row.project_id,
                "user_id": row.user_id, "force_host": host, "source_host": row.host,
                "same_host": False, "image": (row.request_spec or {}).get("image"),
                "stopped": to_stopped}
        self.scheduler_rpc.schedule_move(ctx.to_dict(), row.uuid, "evacuate", migration.uuid,
                                         spec)

    # -- deferred delete -------------------------------------------------------------------
    def restore(self, ctx: RequestContext, row: Instance) -> None:
        """Undo a deferred delete: the guest powered on again, the server ACTIVE."""
        check_lock(ctx, row)
        states.check_flow("restore", row.uuid, row.vm_state, row.task_state)
        if not row.host:
            db.update_instance(self.db, row.uuid, vm_state=VmState.ACTIVE, deleted_at=None)
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "restore")
            return
        self._start(ctx, row, "restore", TaskState.RESTORING, deleted_at=None)
        self.compute_rpc.restore_instance(ctx.to_dict(), row.host, row.uuid)

    def force_delete(self, ctx: RequestContext, row: Instance) -> None:
        """Delete the server at once, whatever the reclaim interval (any vm_state, but not
        while it is busy, as Nova's ``forceDelete``)."""
        check_lock(ctx, row)
        if row.task_state is not None and row.task_state != TaskState.DELETING:
            raise states.invalid_state("forceDelete", row.uuid, "task_state", row.task_state)
        self.servers.delete(ctx, row, force=True)

    # -- shelve ----------------------------------------------------------------------------
    def shelve(self, ctx: RequestContext, row: Instance) -> None:
        states.check_flow("shelve", row.uuid, row.vm_state, row.task_state)
        image_id = None
        if not any(is_root(b) for b in bdms_db.attachments_of(self.db, row.uuid)):
            base = None
            if row.image_ref:
                try:
                    base = self.images.get_image(row.image_ref)
                except NotFound:
                    base = None
            body = image_body(row, ctx, base, f"{row.name}-shelved", {})
            image_id = new_id()
            self.images.create_image({"id": image_id, **body})
        try:
            self._start(ctx, row, "shelve", TaskState.SHELVING, shelved_image_id=image_id)
        except Exception:
            if image_id:
                self.images.delete_image(image_id)
            raise
        self.compute_rpc.shelve_instance(ctx.to_dict(), str(row.host), row.uuid,
                                         self.settings.shelved_offload_time == 0)

    def shelve_offload(self, ctx: RequestContext, row: Instance) -> None:
        states.check_flow("shelveOffload", row.uuid, row.vm_state, row.task_state)
        self._start(ctx, row, "shelveOffload", TaskState.SHELVING_OFFLOADING)
        self.compute_rpc.shelve_offload(ctx.to_dict(), str(row.host), row.uuid)

    def unshelve(self, ctx: RequestContext, row: Instance, zone: str | None,
                 host: str | None = None) -> None:
        """Boot the shelved server again: where it is, or (offloaded) where the scheduler
        chooses, in ``zone`` or on ``host`` (2.91) when asked."""
        states.check_flow("unshelve", row.uuid, row.vm_state, row.task_state)
        if host is not None:
            if row.vm_state != VmState.SHELVED_OFFLOADED:
                raise Conflict(f"Cannot unshelve instance {row.uuid} to a host: it is "
                               f"{row.vm_state}, not {VmState.SHELVED_OFFLOADED}.")
            if self.hosts.find(AGENT_BINARY, host) is None:
                raise BadRequest(f"Compute host {host} could not be found.")
        if row.vm_state == VmState.SHELVED and row.host:
            self._start(ctx, row, "unshelve", TaskState.UNSHELVING)
            self.compute_rpc.unshelve_instance(ctx.to_dict(), row.host, row.uuid)
            return
        self._start(ctx, row, "unshelve", TaskState.UNSHELVING, fault=None)
        spec = {"flavor": dict(row.flavor or {}), "project_id": row.project_id,
                "user_id": row.user_id, "force_host": host, "source_host": None,
                "same_host": True, "availability_zone": zone}
        self.scheduler_rpc.schedule_move(ctx.to_dict(), row.uuid, "unshelve", "", spec)

    # -- the guest's own actions -----------------------------------------------------------
    def rescue(self, ctx: RequestContext, row: Instance, image_ref: str | None,
               password: str | None, volume_backed_ok: bool = False) -> str:
        """Boot the server from a rescue disk. A volume-backed server only with a stable
        rescue image (``hw_rescue_device``/``hw_rescue_bus``), and only from 2.87
        (``volume_backed_ok``), as Nova has it."""
        states.check_action("rescue", row.uuid, row.vm_state, row.task_state)
        image = self._image(ctx, image_ref, row, dict(row.flavor or {})) if image_ref else None
        props = (image or {}).get("properties") or {}
        stable = bool(props.get("hw_rescue_device") or props.get("hw_rescue_bus"))
        if any(is_root(b) for b in bdms_db.attachments_of(self.db, row.uuid)) and not (
                volume_backed_ok and stable):
            raise BadRequest(f"Cannot rescue a volume-backed instance {row.uuid}: it takes a "
                             "rescue image with hw_rescue_device or hw_rescue_bus, from "
                             "microversion 2.87.")
        password = password or new_password()
        self.servers.action(ctx, row, "rescue", args={"image": image, "password": password})
        return password

    def crash_dump(self, ctx: RequestContext, row: Instance) -> None:
        check_lock(ctx, row)
        if row.vm_state not in (VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED,
                                VmState.RESIZED, VmState.ERROR) or not row.host:
            raise states.invalid_state("trigger_crash_dump", row.uuid, "vm_state",
                                       row.vm_state)
        if row.task_state is not None:
            raise states.invalid_state("trigger_crash_dump", row.uuid, "task_state",
                                       row.task_state)
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "trigger_crash_dump")
        self.compute_rpc.crash_dump(ctx.to_dict(), row.host, row.uuid)

    def reset_state(self, ctx: RequestContext, row: Instance, state: str) -> None:
        """An administrator's ``os-resetState``: ACTIVE or ERROR, whatever the server was
        doing (its task is dropped)."""
        target = VmState.ACTIVE if state == "active" else VmState.ERROR
        db.update_instance(self.db, row.uuid, task_state=None)
        db.update_instance(self.db, row.uuid, vm_state=target)
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "resetState")

    def console_output(self, ctx: RequestContext, row: Instance, length: int | None) -> str:
        self._guest_up(row, "get_console_output")
        text = self.compute_rpc.console_output(ctx.to_dict(), str(row.host), row.uuid)
        if length is not None:
            # Nova's tail: the last pieces between newlines, so the empty piece after a final
            # newline counts as one (what tempest checks).
            text = "\n".join(text.split("\n")[-length:]) if length > 0 else ""
        return text

    def console(self, ctx: RequestContext, row: Instance, console_type: str) -> dict[str, Any]:
        self._guest_up(row, "get_console")
        return dict(self.compute_rpc.get_console(ctx.to_dict(), str(row.host), row.uuid,
                                                 console_type))

    def diagnostics(self, ctx: RequestContext, row: Instance) -> dict[str, Any]:
        self._guest_up(row, "get_diagnostics")
        return dict(self.compute_rpc.diagnostics(ctx.to_dict(), str(row.host), row.uuid))

    def _guest_up(self, row: Instance, what: str) -> None:
        if row.vm_state not in (VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED,
                                VmState.RESIZED, VmState.STOPPED, VmState.SUSPENDED) \
                or not row.host:
            raise states.invalid_state(what, row.uuid, "vm_state", row.vm_state)
        if not self.hosts.agent_up(row.host):
            raise Conflict(f"The compute service of host {row.host} is down.")
