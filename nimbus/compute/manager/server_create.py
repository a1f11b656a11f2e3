"""``POST /servers`` on the API side: check everything a request names, record its servers (one,
or ``min_count`` to ``max_count`` of them under one reservation id) and cast each to the
scheduler, as Nova's compute API does.

Nothing is recorded before every check passed and every volume to be made was made; the
servers are recorded in one transaction, so a request makes all of its servers or none.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from nimbus.compute.constants import AGENT_BINARY, DEFAULT_ZONE
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance
from nimbus.compute.manager import port_resources
from nimbus.compute.manager.block_devices import Prepared
from nimbus.compute.manager.flavors import snapshot
from nimbus.compute.manager.quotas import QuotaManager
from nimbus.compute.manager.server_requests import (
    create_spec,
    fits_disk,
    group_hint,
    hints_to_keep,
    sanitize_hostname,
    with_image_mappings,
)
from nimbus.compute.states import PowerState, TaskState, VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id
from nimbus.core.errors import BadRequest, NimbusError, NotFound

if TYPE_CHECKING:
    from nimbus.clients.image import ImageClient
    from nimbus.compute.manager.block_devices import BlockDevices
    from nimbus.compute.manager.flavors import FlavorManager
    from nimbus.compute.manager.hosts import HostManager
    from nimbus.compute.manager.keypairs import KeypairManager
    from nimbus.compute.manager.networking import Networking
    from nimbus.compute.manager.server_groups import ServerGroupManager
    from nimbus.compute.rpcapi import SchedulerAPI
    from nimbus.core.db.engine import Database


class ServerManager(Protocol):
    """What creating servers needs of the server manager (which hands itself over)."""

    db: Database
    flavors: FlavorManager
    keypairs: KeypairManager
    networking: Networking
    block_devices: BlockDevices
    images: ImageClient
    hosts: HostManager
    scheduler_rpc: SchedulerAPI
    server_groups: ServerGroupManager
    create_wait: float
    create_waiters: threading.BoundedSemaphore

    def check_image(self, images: ImageClient, image_ref: str, project_id: str, ram: int,
                    disk: int) -> dict[str, Any]: ...

__all__ = ["Created", "create_servers", "reservation_id"]


@dataclass
class Created:
    """What a create request made: its servers (the first is the one the answer shows), the
    admin password asked for, and the reservation id they share."""

    rows: list[Instance]
    admin_pass: str | None
    reservation_id: str
    return_reservation_id: bool


def reservation_id() -> str:
    """A new reservation id, in Nova's form: ``r-`` and eight letters or digits."""
    alphabet = string.ascii_lowercase + string.digits
    return "r-" + "".join(secrets.choice(alphabet) for _ in range(8))


def _names(name: str, hostname: str | None, uuid: str, index: int,
           count: int) -> tuple[str, str]:
    """A server's name and hostname: with more than one server, each gets its place (from 1)
    after the name asked for, and after the hostname made from it."""
    host = hostname or sanitize_hostname(name)
    if not host:
        host = f"Server-{uuid}"
    elif count > 1 and not hostname:
        host = f"{host}-{index + 1}"
    return (f"{name}-{index + 1}" if count > 1 else name), host


def _auto_disk_config(wanted: bool | None, image: dict[str, Any] | None) -> bool:
    """``OS-DCF:diskConfig`` as asked (AUTO is refused for an image that disables it), or as
    the image says when not asked."""
    said = str(((image or {}).get("properties") or {}).get("auto_disk_config", "")).lower()
    if wanted is None:
        return said in ("true", "1", "yes", "on")
    if wanted and said == "disabled":
        raise BadRequest(f"Requested image {(image or {}).get('id')} has automatic disk "
                         "resize disabled.")
    return wanted


def create_servers(mgr: ServerManager, ctx: RequestContext, body: dict[str, Any],
                   hints: dict[str, Any] | None = None) -> Created:
    """Check the request, record its servers and cast each to the scheduler. ``hints`` are
    the request's scheduler hints: a ``group`` makes the servers members of that group."""
    req = create_spec(body)
    hinted = group_hint(hints)
    group = mgr.server_groups.for_server(ctx, hinted) if hinted else None
    project_id = str(ctx.project_id)
    try:
        # A private flavor the caller's project was not granted is as unknown as none.
        flavor = mgr.flavors.visible(req["flavor_ref"], ctx.is_admin, ctx.project_id)
    except NotFound:
        raise BadRequest(f"Flavor {req['flavor_ref']} could not be found.") from None
    quotas = QuotaManager(mgr.db)
    quotas.check_metadata(project_id, len(req["metadata"]))
    quotas.check_injected_files(project_id, req["injected_files"])
    count = quotas.servers_allowed(project_id, str(ctx.user_id), snapshot(flavor),
                                   req["min_count"], req["max_count"])
    if group is not None:
        members = mgr.server_groups.members([group]).get(group.id, [])
        quotas.check_group_members(project_id, len(members), count)
    # Everything the request names in another service is looked up as the caller, so that
    # another project's private image, network, port or group is as unknown to the request
    # as it is to its sender; nothing is made before all of them are found.
    images = mgr.images.acting_for(ctx.auth_token, ctx.project_id)
    image = None
    if req["image_ref"]:
        image = mgr.check_image(images, req["image_ref"], project_id, flavor.memory_mb, 0)
        req["block_devices"], volume_root = with_image_mappings(req["block_devices"], image)
        if volume_root:
            # The image maps a volume snapshot as the root disk: the server boots from a
            # volume made of it, and the image's own (empty) data is not a disk.
            req["image_ref"], image = "", None
        else:
            image.pop("block_device_mapping", None)
            fits_disk(image, flavor.root_gb)
    auto_disk = _auto_disk_config(req["auto_disk_config"], image)
    key = None
    if req.get("key_name"):
        key = mgr.keypairs.for_server(str(ctx.user_id), req["key_name"])
    network = mgr.networking.client.acting_for(ctx.auth_token, ctx.project_id)
    requested = mgr.networking.resolve_requested(project_id, req["networks"], ctx.is_admin,
                                                 caller=network)
    mgr.networking.check_security_groups(network, project_id, req["security_groups"])
    req["security_groups"] = mgr.networking.server_security_groups(requested,
                                                                   req["security_groups"])
    az = req.get("availability_zone")
    force_host = None
    if az and ":" in az:
        az, _, force_host = az.partition(":")
        force_host = force_host.split(":")[0] or None
    # A zone some enabled service is in (Nova's check; a forced host skips it).
    if az and force_host is None and az not in mgr.hosts.available_zones():
        raise BadRequest(f"The requested availability zone is not available: {az}")
    requested_host = req.get("requested_host")
    if requested_host and mgr.hosts.find(AGENT_BINARY, requested_host) is None:
        raise BadRequest(f"Compute host {requested_host} could not be found.")

    def image_for_volume(image_id: str, size_gb: int) -> None:
        found = mgr.check_image(images, image_id, project_id, flavor.memory_mb, size_gb)
        if size_gb and int(found.get("size") or 0) > size_gb * 1024 ** 3:
            raise BadRequest(f"Volume size {size_gb}GB is too small for image {image_id}.")

    # Kept with each server, so that a build whose message a crash lost is built again.
    spec = {"flavor": snapshot(flavor), "image": image, "project_id": project_id,
            "user_id": ctx.user_id, "force_host": force_host, "availability_zone": az,
            "requested_host": requested_host,
            # Ports whose QoS asks Placement for bandwidth or packet rate.
            "port_requests": port_resources.requests_of(requested),
            # What the aggregate filters match: the hosts' zones and aggregate metadata.
            "host_aggregates": mgr.hosts.scheduling_aggregates(
                az, dict(flavor.extra_specs or {})),
            "group": group.uuid if group else None,
            "scheduler_hints": hints_to_keep(hints),
            "injected_files": [list(f) for f in req["injected_files"]]}
    reservation = reservation_id()
    made: list[tuple[dict[str, Any], Prepared]] = []
    try:
        for index in range(count):
            uuid = new_id()
            name, hostname = _names(req["name"], req["hostname"], uuid, index, count)
            volumes = mgr.block_devices.prepare(ctx, uuid, req.get("block_devices") or [],
                                                image_for_volume)
            made.append(({
                **_values(ctx, uuid, req, flavor, key, requested, spec),
                "name": name, "hostname": hostname, "launch_index": index,
                "reservation_id": reservation, "auto_disk_config": auto_disk}, volumes))
        # One transaction: a server is never seen (nor scheduled after a crash) without the
        # others of its request, nor without the group it was created in.
        with mgr.db.writer():
            rows = [db.create_instance(mgr.db, values, volumes.rows)
                    for values, volumes in made]
            if group is not None:
                for row in rows:
                    mgr.server_groups.add_member(group, row.uuid)
            for row in rows:
                # With its server: never one without the other.
                actions.record_action(mgr.db, ctx.to_dict(), row.uuid, "create")
    except Exception:
        for _, volumes in made:
            mgr.block_devices.undo(volumes)
        raise
    try:
        quotas.recheck_servers(project_id, str(ctx.user_id))
    except NimbusError:
        # Another request took the room meanwhile: this one's servers go again, unscheduled.
        for row in rows:
            db.remove_unscheduled(mgr.db, row.uuid)
        for _, volumes in made:
            mgr.block_devices.undo(volumes)
        raise
    for row in rows:
        mgr.scheduler_rpc.schedule_and_build(ctx.to_dict(), row.uuid, spec)
    if len(rows) == 1:
        settle(mgr, rows[0].uuid)
    return Created(rows, req.get("admin_pass"), reservation, req["return_reservation_id"])


def settle(mgr: ServerManager, uuid: str) -> None:
    """Hold the 202 a little while the server builds (``compute.create_wait`` seconds at most).

    Nova answers a create at once, and clients then look for ACTIVE every few seconds (the
    openstack CLI and openstacksdk's cloud layer every 5, gophercloud every 1), so a build
    that takes a tenth of a second costs a CI job seconds per server. Here the answer waits
    until the server has left BUILD (or the time is up); the answer itself is the same, and a
    client's first look then finds the server ACTIVE. Only a request for one server waits, and
    only a few at once, so that waiting creates never hold every worker of the API."""
    if mgr.create_wait <= 0 or not mgr.create_waiters.acquire(blocking=False):
        return
    try:
        deadline = time.monotonic() + mgr.create_wait
        pause = 0.005
        while time.monotonic() < deadline:
            if db.vm_state_of(mgr.db, uuid) != VmState.BUILDING:
                return
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 1.5, 0.05)
    finally:
        mgr.create_waiters.release()


def _values(ctx: RequestContext, uuid: str, req: dict[str, Any], flavor: Any,
            key: dict[str, Any] | None, requested: list[dict[str, Any]],
            spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": uuid, "project_id": str(ctx.project_id),
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
        "security_groups": req["security_groups"],
        "requested_networks": requested, "request_spec": spec,
    }
