"""The server rules on the API side: create, look up, list, delete, actions and locks.

Long work (scheduling, building, deleting) is cast over the bus; the API returns as soon as the
request is recorded, as Nova does.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.clients.placement import PlacementClient
from nimbus.compute import states
from nimbus.compute.constants import DEFAULT_ZONE
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance
from nimbus.compute.errors import instance_not_found
from nimbus.compute.manager.block_devices import BlockDevices
from nimbus.compute.manager.flavors import FlavorManager, snapshot
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.manager.keypairs import KeypairManager
from nimbus.compute.manager.networking import Networking
from nimbus.compute.manager.server_groups import ServerGroupManager
from nimbus.compute.manager.server_requests import create_spec, group_hint
from nimbus.compute.rpcapi import ComputeAgentAPI, SchedulerAPI
from nimbus.compute.schemas.servers import ADMIN_SORT_KEYS, IGNORED_SORT_KEYS
from nimbus.compute.states import PowerState, TaskState, VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NimbusError, NotFound

__all__ = ["Instance", "ServerManager", "check_lock", "hostname_for"]

LOG = logging.getLogger(__name__)


def hostname_for(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return cleaned[:63] or "server"


def check_lock(ctx: RequestContext, row: Instance) -> None:
    """A locked server refuses changes from anyone but an administrator."""
    if row.locked and not ctx.is_admin:
        raise Conflict(f"Instance {row.uuid} is locked")


def _sort_keys(ctx: RequestContext, pairs: list[tuple[str, str]],
               locked_sorts: bool) -> list[tuple[str, str]]:
    """The sort keys to use, as Nova treats them: keys it accepts but ignores are dropped, and
    only administrators sort by host or node."""
    ignored = IGNORED_SORT_KEYS - ({"locked"} if locked_sorts else set())
    kept = []
    for key, direction in pairs:
        if key in ignored:
            continue
        if key in ADMIN_SORT_KEYS and not ctx.is_admin:
            raise Forbidden(f"Only administrators can sort servers by {key}")
        kept.append((key, direction))
    return kept


class ServerManager:
    def __init__(self, db: Database, *, flavors: FlavorManager, keypairs: KeypairManager,
                 networking: Networking, block_devices: BlockDevices, images: ImageClient,
                 placement: PlacementClient, hosts: HostManager, scheduler_rpc: SchedulerAPI,
                 compute_rpc: ComputeAgentAPI, server_groups: ServerGroupManager,
                 max_limit: int) -> None:
        self.db = db
        self.flavors = flavors
        self.keypairs = keypairs
        self.networking = networking
        self.block_devices = block_devices
        self.images = images
        self.placement = placement
        self.hosts = hosts
        self.scheduler_rpc = scheduler_rpc
        self.compute_rpc = compute_rpc
        self.server_groups = server_groups
        self.max_limit = max_limit

    # -- reading ---------------------------------------------------------------------------
    def get(self, ctx: RequestContext, uuid: str) -> Instance:
        """The server, or 404 when it does not exist or belongs to another project."""
        row = db.find_instance(self.db, uuid)
        if row is None or (not ctx.is_admin and row.project_id != ctx.project_id):
            raise instance_not_found(uuid)
        return row

    def page(self, ctx: RequestContext, query: PageQuery, *, locked_sorts: bool = False,
             project_id: str | None = None, status: str | None = None,
             **filters: Any) -> Page[Instance]:
        """One page of the servers the filters select (at most ``max_limit`` of them).

        ``status`` is the API's (``ACTIVE``...), the other filters are ``InstanceFilters``'.
        ``locked_sorts``: from 2.73, ``locked`` is a sort key rather than one that is ignored.
        """
        vm_states = None
        if status:
            vm_states = states.vm_states_for_status(status)
            if not vm_states and status.upper() not in ("DELETED", "SOFT_DELETED"):
                raise BadRequest(f"Invalid status value: {status}")
        sort = _sort_keys(ctx, list(query.sort), locked_sorts)
        chosen = db.InstanceFilters(project_id=project_id, vm_states=vm_states, **filters)
        return db.page_instances(self.db, dataclasses.replace(query, sort=tuple(sort)), chosen,
                                 self.max_limit)

    def usage(self, project_id: str) -> dict[str, int]:
        """What the project's servers take: their count, cores and RAM."""
        flavors = db.flavors_in_use(self.db, project_id)
        return {"instances": len(flavors),
                "cores": sum(int(f.get("vcpus", 0)) for f in flavors),
                "ram": sum(int(f.get("ram", 0)) for f in flavors)}

    # -- create ----------------------------------------------------------------------------
    def create(self, ctx: RequestContext, body: dict[str, Any],
               hints: dict[str, Any] | None = None) -> tuple[Instance, str | None]:
        """Check everything the request names, record the server and cast it to the
        scheduler; the server and the admin password asked for (if any). ``hints`` are the
        request's scheduler hints: a ``group`` makes the server a member of that group."""
        req = create_spec(body)
        hinted = group_hint(hints)
        group = self.server_groups.for_server(ctx, hinted) if hinted else None
        project_id = str(ctx.project_id)
        try:
            # A private flavor the caller's project was not granted is as unknown as none.
            flavor = self.flavors.visible(req["flavor_ref"], ctx.is_admin, ctx.project_id)
        except NotFound:
            raise BadRequest(f"Flavor {req['flavor_ref']} could not be found.") from None
        # Everything the request names in another service is looked up as the caller, so
        # that another project's private image, network, port or group is as unknown to the
        # request as it is to its sender; nothing is made before all of them are found.
        images = self.images.acting_for(ctx.auth_token, ctx.project_id)
        image = None
        if req["image_ref"]:
            image = self.check_image(images, req["image_ref"], project_id, flavor.memory_mb,
                                      flavor.root_gb)
        key = None
        if req.get("key_name"):
            key = self.keypairs.for_server(str(ctx.user_id), req["key_name"])
        network = self.networking.client.acting_for(ctx.auth_token, ctx.project_id)
        requested = self.networking.resolve_requested(project_id, req["networks"],
                                                      ctx.is_admin, caller=network)
        self.networking.check_security_groups(network, project_id, req["security_groups"])
        az = req.get("availability_zone")
        force_host = None
        if az and ":" in az:
            az, _, force_host = az.partition(":")
            force_host = force_host.split(":")[0] or None
        # A zone some enabled service is in (Nova's check; a forced host skips it).
        if az and force_host is None and az not in self.hosts.available_zones():
            raise BadRequest(f"The requested availability zone is not available: {az}")
        uuid = new_id()

        def image_for_volume(image_id: str, size_gb: int) -> None:
            found = self.check_image(images, image_id, project_id, flavor.memory_mb, size_gb)
            if size_gb and int(found.get("size") or 0) > size_gb * 1024 ** 3:
                raise BadRequest(f"Volume size {size_gb}GB is too small for image {image_id}.")

        volumes = self.block_devices.prepare(ctx, uuid, req.get("block_devices") or [],
                                             image_for_volume)
        # Kept with the server, so that a build whose message a crash lost is built again.
        spec = {"flavor": snapshot(flavor), "image": image, "project_id": project_id,
                "user_id": ctx.user_id, "force_host": force_host, "availability_zone": az,
                # What the aggregate filters match: the hosts' zones and aggregate metadata.
                "host_aggregates": self.hosts.scheduling_aggregates(
                    az, dict(flavor.extra_specs or {})),
                "group": group.uuid if group else None}
        values = self._values(ctx, uuid, req, flavor, key, requested, spec)
        try:
            # One transaction: a server is never seen (nor scheduled after a crash) without
            # the group it was created in.
            with self.db.writer():
                row = db.create_instance(self.db, values, volumes.rows)
                if group is not None:
                    self.server_groups.add_member(group, uuid)
        except Exception:
            self.block_devices.undo(volumes)
            raise
        actions.record_action(self.db, ctx.to_dict(), uuid, "create")
        self.scheduler_rpc.schedule_and_build(ctx.to_dict(), uuid, spec)
        return row, req.get("admin_pass")

    def _values(self, ctx: RequestContext, uuid: str, req: dict[str, Any], flavor: Any,
                key: dict[str, Any] | None, requested: list[dict[str, Any]],
                spec: dict[str, Any]) -> dict[str, Any]:
        return {
            "uuid": uuid, "name": req["name"], "project_id": str(ctx.project_id),
            "user_id": str(ctx.user_id), "flavor_id": flavor.flavorid,
            "flavor": snapshot(flavor), "image_ref": req["image_ref"],
            "key_name": key["name"] if key else None,
            "key_data": key["public_key"] if key else None,
            "user_data": req.get("user_data"), "vm_state": VmState.BUILDING,
            "task_state": TaskState.SCHEDULING, "power_state": PowerState.NOSTATE,
            "availability_zone": DEFAULT_ZONE,
            "description": req.get("description"), "access_ipv4": req.get("access_ipv4") or "",
            "access_ipv6": req.get("access_ipv6") or "",
            "config_drive": "True" if req.get("config_drive") else "",
            "metadata_items": req.get("metadata") or {}, "tags": req.get("tags") or [],
            "security_groups": req.get("security_groups") or [{"name": "default"}],
            "requested_networks": requested, "hostname": hostname_for(req["name"]),
            "reservation_id": "r-" + new_id()[:8], "request_spec": spec,
        }

    @staticmethod
    def check_image(images: ImageClient, image_ref: str, project_id: str, ram: int,
                     disk: int) -> dict[str, Any]:
        """The image as ``images`` (the caller's view) shows it, if a server may boot it."""
        try:
            image = images.get_image(image_ref)
        except NotFound:
            raise BadRequest(f"Image {image_ref} could not be found.") from None
        visible = image.get("visibility") in ("public", "community", "shared") or \
            image.get("owner") == project_id
        if not visible:
            raise BadRequest(f"Image {image_ref} could not be found.")
        if image.get("status") != "active":
            raise BadRequest(f"Image {image_ref} is not active.")
        if disk and int(image.get("min_disk") or 0) > disk:
            raise BadRequest("Flavor's disk is too small for requested image. Flavor disk is "
                             f"{disk * 1024 ** 3} bytes, minimum disk is "
                             f"{int(image['min_disk']) * 1024 ** 3} bytes.")
        if int(image.get("min_ram") or 0) > ram:
            raise BadRequest("Flavor's memory is too small for requested image.")
        if disk and image.get("size") and int(image["size"]) > disk * 1024 ** 3:
            raise BadRequest(f"Flavor's disk is too small for requested image. Flavor disk is "
                             f"{disk * 1024 ** 3} bytes, image is {image['size']} bytes.")
        keep = ("id", "name", "status", "disk_format", "container_format", "min_disk",
                "min_ram", "size", "checksum", "os_hash_value",
                # what the scheduler's ImagePropertiesFilter matches hosts against
                "hw_architecture", "architecture", "img_hv_type", "hypervisor_type",
                "hw_vm_mode", "vm_mode")
        return {k: image.get(k) for k in keep}

    # -- update ----------------------------------------------------------------------------
    def update(self, row: Instance, **fields: Any) -> Instance:
        """Change user-editable fields (name, description, access IPs, metadata); 404 if the
        server went away."""
        updated = db.update_instance(self.db, row.uuid, **fields)
        if updated is None:
            raise instance_not_found(row.uuid)
        return updated

    def set_tags(self, row: Instance, tags: list[str]) -> Instance:
        updated = db.set_tags(self.db, row.uuid, list(dict.fromkeys(tags)))
        if updated is None:
            raise instance_not_found(row.uuid)
        return updated

    # -- delete ----------------------------------------------------------------------------
    def delete(self, ctx: RequestContext, row: Instance) -> None:
        check_lock(ctx, row)
        # A delete asked for again is driven again: the first may have been cut short.
        if row.task_state != TaskState.DELETING:
            db.update_instance(self.db, row.uuid, task_state=TaskState.DELETING)
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "delete")
        if row.host and self.hosts.agent_up(row.host):
            self.compute_rpc.terminate_instance(ctx.to_dict(), row.host, row.uuid)
            return
        self.local_delete(row)

    def local_delete(self, row: Instance) -> None:
        """Clean up without an agent (never scheduled, or its host is down)."""
        self.networking.release(row.uuid, list(row.ports or []),
                                list(row.requested_networks or []))
        self.block_devices.release_all(row.uuid)
        try:
            self.placement.delete_allocations(row.uuid)
        except NimbusError as exc:
            LOG.warning("could not delete allocations of %s: %s", row.uuid, exc)
        db.destroy_instance(self.db, row.uuid)

    # -- actions ---------------------------------------------------------------------------
    def action(self, ctx: RequestContext, row: Instance, action: str, hard: bool = False,
               args: dict[str, Any] | None = None) -> None:
        check_lock(ctx, row)
        states.check_action(action, row.uuid, row.vm_state, row.task_state)
        if not row.host:
            raise states.invalid_state(action, row.uuid, "vm_state", row.vm_state)
        task = states.action_task(action, hard)
        if db.update_instance(self.db, row.uuid, expected_task=None, task_state=task) is None:
            raise Conflict(f"Instance {row.uuid} is busy; try again.")
        actions.record_action(self.db, ctx.to_dict(), row.uuid, action)
        self.compute_rpc.server_action(ctx.to_dict(), row.host, row.uuid, action, hard,
                                       args=args)

    def change_security_group(self, ctx: RequestContext, row: Instance, name: str,
                              add: bool) -> None:
        check_lock(ctx, row)
        caller = self.networking.client.acting_for(ctx.auth_token, ctx.project_id)
        current = [str(g.get("name")) for g in row.security_groups or []]
        names = self.networking.change_security_group(caller, row.project_id,
                                                      list(row.ports or []), current, name, add)
        db.update_instance(self.db, row.uuid, security_groups=[{"name": n} for n in names])
        actions.record_action(self.db, ctx.to_dict(), row.uuid,
                              "addSecurityGroup" if add else "removeSecurityGroup")

    def change_floating_ip(self, ctx: RequestContext, row: Instance, address: str,
                           fixed_address: str | None, add: bool) -> None:
        check_lock(ctx, row)
        caller = self.networking.client.acting_for(ctx.auth_token, ctx.project_id)
        self.networking.associate_floating_ip(caller, list(row.ports or []), address,
                                              fixed_address, add)

    def lock(self, ctx: RequestContext, row: Instance, reason: str | None) -> None:
        db.update_instance(self.db, row.uuid, locked=True,
                           locked_by="admin" if ctx.is_admin else "owner",
                           locked_reason=reason)
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "lock")

    def unlock(self, ctx: RequestContext, row: Instance, override: bool) -> None:
        if row.locked and row.locked_by == "admin" and not override:
            raise Conflict(f"Instance {row.uuid} was locked by an administrator.")
        db.update_instance(self.db, row.uuid, locked=False, locked_by=None, locked_reason=None)
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "unlock")
