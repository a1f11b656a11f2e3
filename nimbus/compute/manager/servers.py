"""The server rules on the API side: create, look up, list, delete, actions and locks.

Long work (scheduling, building, deleting) is cast over the bus; the API returns as soon as the
request is recorded, as Nova does.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.clients.placement import PlacementClient
from nimbus.compute import states
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db.instances import Shown
from nimbus.compute.db.models import Instance
from nimbus.compute.errors import instance_not_found
from nimbus.compute.manager.block_devices import BlockDevices
from nimbus.compute.manager.flavors import FlavorManager
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.manager.image_properties import known_properties
from nimbus.compute.manager.keypairs import KeypairManager
from nimbus.compute.manager.networking import Networking
from nimbus.compute.manager.server_create import Created, create_servers
from nimbus.compute.manager.server_groups import ServerGroupManager
from nimbus.compute.manager.server_requests import fits_disk
from nimbus.compute.rpcapi import ComputeAgentAPI, SchedulerAPI
from nimbus.compute.schemas.servers import ADMIN_SORT_KEYS, IGNORED_SORT_KEYS
from nimbus.compute.states import TaskState, VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NimbusError, NotFound

__all__ = ["Instance", "ServerManager", "Shown", "check_lock", "hostname_for"]

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


# At most this many creates hold their answers at once: each holds one of the API's worker
# threads, which the builds' own calls between services need too.
CREATE_WAITERS = 8


class ServerManager:
    def __init__(self, db: Database, *, flavors: FlavorManager, keypairs: KeypairManager,
                 networking: Networking, block_devices: BlockDevices, images: ImageClient,
                 placement: PlacementClient, hosts: HostManager, scheduler_rpc: SchedulerAPI,
                 compute_rpc: ComputeAgentAPI, server_groups: ServerGroupManager,
                 max_limit: int, reclaim_instance_interval: int = 0,
                 create_wait: float = 0.0) -> None:
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
        # Seconds a deleted server is kept restorable (0: deleted at once).
        self.reclaim_instance_interval = reclaim_instance_interval
        # Seconds a create may hold its answer while its server builds (see server_create).
        self.create_wait = create_wait
        self.create_waiters = threading.BoundedSemaphore(CREATE_WAITERS)

    # -- reading ---------------------------------------------------------------------------
    def get(self, ctx: RequestContext, uuid: str) -> Instance:
        """The server, or 404 when it does not exist or belongs to another project."""
        row = db.find_instance(self.db, uuid)
        if row is None or (not ctx.is_admin and row.project_id != ctx.project_id):
            raise instance_not_found(uuid)
        return row

    def page(self, ctx: RequestContext, query: PageQuery, *, locked_sorts: bool = False,
             project_id: str | None = None, status: str | None = None,
             addresses: list[str] | None = None, strict_status: bool = True,
             shown: Shown = "detail_spec", **filters: Any) -> Page[Instance]:
        """One page of the servers the filters select (at most ``max_limit`` of them).

        ``status`` is the API's (``ACTIVE``...), the other filters are ``InstanceFilters``'.
        ``locked_sorts``: from 2.73, ``locked`` is a sort key rather than one that is ignored.
        ``addresses``: only servers with a fixed address containing one of these (Nova asks
        the network service for ports whose address contains the text).
        ``strict_status``: an unknown status is a 400 (from 2.38) rather than no servers.
        ``shown``: what the rows hold (see ``Shown``), all a list shows by default.
        """
        if addresses:
            found = db.fixed_addresses(self.db, project_id)
            filters["uuids"] = [uuid for uuid, ips in found.items()
                                if any(part in ip for part in addresses for ip in ips)]
        vm_states = None
        if status:
            vm_states = states.vm_states_for_status(status)
            if not vm_states and status.upper() not in ("DELETED", "SOFT_DELETED"):
                # Before 2.38 a status no server can have simply matches none.
                if not strict_status:
                    return Page(items=[])
                raise BadRequest(f"Invalid status value: {status}")
        sort = _sort_keys(ctx, list(query.sort), locked_sorts)
        chosen = db.InstanceFilters(project_id=project_id, vm_states=vm_states, **filters)
        return db.page_instances(self.db, dataclasses.replace(query, sort=tuple(sort)), chosen,
                                 self.max_limit, shown)

    def usage(self, project_id: str) -> dict[str, int]:
        """What the project's servers take: their count, cores and RAM."""
        flavors = db.flavors_in_use(self.db, project_id)
        return {"instances": len(flavors),
                "cores": sum(int(f.get("vcpus", 0)) for f in flavors),
                "ram": sum(int(f.get("ram", 0)) for f in flavors)}

    # -- create ----------------------------------------------------------------------------
    def create(self, ctx: RequestContext, body: dict[str, Any],
               hints: dict[str, Any] | None = None) -> Created:
        """Check everything the request names, record its servers and cast each to the
        scheduler (``server_create``)."""
        return create_servers(self, ctx, body, hints)

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
        fits_disk(image, disk)
        if int(image.get("min_ram") or 0) > ram:
            raise BadRequest("Flavor's memory is too small for requested image.")
        keep = ("id", "name", "status", "disk_format", "container_format", "min_disk",
                "min_ram", "size", "checksum", "os_hash_value",
                # what the scheduler's ImagePropertiesFilter matches hosts against
                "hw_architecture", "architecture", "img_hv_type", "hypervisor_type",
                "hw_vm_mode", "vm_mode")
        # The properties Nova knows, as the server shows them (2.98); and the volumes a
        # snapshot of a volume-backed server maps, whole (a property's text is cut short).
        found = {**{k: image.get(k) for k in keep}, "properties": known_properties(image)}
        if image.get("block_device_mapping"):
            found["block_device_mapping"] = image["block_device_mapping"]
        return found

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
    def delete(self, ctx: RequestContext, row: Instance, force: bool = False) -> None:
        """Delete the server: at once, or (with a reclaim interval, unless ``force``) only
        put aside, powered off, until the interval has passed (Nova's soft delete)."""
        check_lock(ctx, row)
        if not force and self.reclaim_instance_interval > 0:
            if row.vm_state == VmState.SOFT_DELETED and row.task_state is None:
                return      # deleted already; it stays restorable until it is reclaimed
            if self._soft_delete(ctx, row):
                return
        # A delete asked for again is driven again: the first may have been cut short.
        if row.task_state != TaskState.DELETING:
            db.update_instance(self.db, row.uuid, task_state=TaskState.DELETING)
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "delete")
        if row.host and self.hosts.agent_up(row.host):
            self.compute_rpc.terminate_instance(ctx.to_dict(), row.host, row.uuid)
            return
        self.local_delete(row)

    def _soft_delete(self, ctx: RequestContext, row: Instance) -> bool:
        """Put the server aside, if it may be: one that ran, is idle, and whose host's agent
        can power it off. Any other is deleted at once, as Nova does when a soft delete
        cannot be done."""
        if row.vm_state not in states.SOFT_DELETABLE or row.task_state is not None \
                or row.launched_at is None or not row.host or not self.hosts.agent_up(row.host):
            return False
        marked = db.update_instance(self.db, row.uuid, expected_task=None,
                                    task_state=TaskState.SOFT_DELETING, deleted_at=utcnow())
        if marked is None:
            return False    # busy since: deleted at once, which takes it over
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "delete")
        self.compute_rpc.soft_delete_instance(ctx.to_dict(), row.host, row.uuid)
        return True

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
