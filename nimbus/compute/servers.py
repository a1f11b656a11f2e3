"""The server rules on the API side: create, look up, delete, actions and volume attachment.

Long work (scheduling, building, deleting) is cast over the bus; the API returns as soon as the
request is recorded, as Nova does.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from nimbus.compute import block_devices, networking, states
from nimbus.compute.db import api as dbapi
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.flavors import snapshot
from nimbus.compute.keypairs import keypair_for_server
from nimbus.compute.states import TaskState, VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id
from nimbus.core.errors import BadRequest, Conflict, NimbusError, NotFound

if TYPE_CHECKING:
    from nimbus.compute.state import ComputeState

LOG = logging.getLogger(__name__)
AGENT_BINARY = "nova-compute"


def hostname_for(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return cleaned[:63] or "server"


class ServerManager:
    def __init__(self, state: ComputeState) -> None:
        self.state = state
        self.db = state.db

    # -- reading ---------------------------------------------------------------------------
    def get(self, ctx: RequestContext, uuid: str) -> Instance:
        """The server, or 404 when it does not exist or belongs to another project."""
        row = dbapi.find_instance(self.db, uuid)
        if row is None or (not ctx.is_admin and row.project_id != ctx.project_id):
            raise dbapi.instance_not_found(uuid)
        return row

    # -- create ----------------------------------------------------------------------------
    def create(self, ctx: RequestContext, req: dict[str, Any]) -> Instance:
        """Check everything the request names, record the server and cast it to the scheduler."""
        clients = self.state.clients
        project_id = str(ctx.project_id)
        try:
            flavor = self.state.flavors.get(req["flavor_ref"])
        except NotFound:
            raise BadRequest(f"Flavor {req['flavor_ref']} could not be found.") from None
        image = None
        if req["image_ref"]:
            image = self._check_image(req["image_ref"], project_id, flavor.memory_mb,
                                      flavor.root_gb)
        key = None
        if req.get("key_name"):
            key = keypair_for_server(self.state.keypairs, str(ctx.user_id), req["key_name"])
        requested = networking.resolve_requested(clients.network, project_id, req["networks"],
                                                ctx.is_admin)
        az = req.get("availability_zone")
        force_host = None
        if az and ":" in az:
            az, _, force_host = az.partition(":")
            force_host = force_host.split(":")[0] or None
        if az and az != "nova":
            raise BadRequest(f"The requested availability zone is not available: {az}")
        uuid = new_id()

        def image_for_volume(image_id: str, size_gb: int) -> None:
            found = self._check_image(image_id, project_id, flavor.memory_mb, size_gb)
            if size_gb and int(found.get("size") or 0) > size_gb * 1024 ** 3:
                raise BadRequest(f"Volume size {size_gb}GB is too small for image {image_id}.")

        volumes = block_devices.prepare(self.state, ctx, uuid, req.get("block_devices") or [],
                                        image_for_volume)
        try:
            row = self._record(ctx, uuid, req, flavor, key, requested, volumes.rows)
        except Exception:
            block_devices.undo(self.state, volumes)
            raise
        dbapi.record_action(self.db, ctx.to_dict(), uuid, "create")
        spec = {"flavor": snapshot(flavor), "image": image, "project_id": project_id,
                "user_id": ctx.user_id, "force_host": force_host}
        self.state.scheduler_rpc.schedule_and_build(ctx.to_dict(), uuid, spec)
        return row

    def _record(self, ctx: RequestContext, uuid: str, req: dict[str, Any], flavor: Any,
                key: dict[str, Any] | None, requested: list[dict[str, Any]],
                bdms: list[dict[str, Any]]) -> Instance:
        project_id = str(ctx.project_id)
        row = dbapi.create_instance(self.db, {
            "uuid": uuid, "name": req["name"], "project_id": project_id,
            "user_id": str(ctx.user_id), "flavor_id": flavor.flavorid,
            "flavor": snapshot(flavor), "image_ref": req["image_ref"],
            "key_name": key["name"] if key else None, "key_data": key["public_key"] if key else None,
            "user_data": req.get("user_data"), "vm_state": VmState.BUILDING,
            "task_state": TaskState.SCHEDULING, "power_state": states.PowerState.NOSTATE,
            "availability_zone": "nova",
            "description": req.get("description"), "access_ipv4": req.get("access_ipv4") or "",
            "access_ipv6": req.get("access_ipv6") or "",
            "config_drive": "True" if req.get("config_drive") else "",
            "metadata_items": req.get("metadata") or {}, "tags": req.get("tags") or [],
            "security_groups": req.get("security_groups") or [{"name": "default"}],
            "requested_networks": requested, "hostname": hostname_for(req["name"]),
            "reservation_id": "r-" + new_id()[:8],
        })
        for bdm in bdms:
            dbapi.add_attachment(self.db, bdm)
        return row

    def _check_image(self, image_ref: str, project_id: str, ram: int, disk: int) -> dict[str, Any]:
        try:
            image = self.state.clients.image.get_image(image_ref)
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
                "min_ram", "size", "checksum", "os_hash_value")
        return {k: image.get(k) for k in keep}

    # -- delete ----------------------------------------------------------------------------
    def _check_lock(self, ctx: RequestContext, row: Instance) -> None:
        if row.locked and not ctx.is_admin:
            raise Conflict(f"Instance {row.uuid} is locked")

    def delete(self, ctx: RequestContext, row: Instance) -> None:
        self._check_lock(ctx, row)
        if row.task_state == TaskState.DELETING:
            return
        dbapi.update_instance(self.db, row.uuid, task_state=TaskState.DELETING)
        dbapi.record_action(self.db, ctx.to_dict(), row.uuid, "delete")
        if row.host and self.state.cloud.registry.is_up(AGENT_BINARY, row.host):
            self.state.compute_rpc.terminate_instance(ctx.to_dict(), row.host, row.uuid)
            return
        self.local_delete(row)

    def local_delete(self, row: Instance) -> None:
        """Clean up without an agent (never scheduled, or its host is down)."""
        clients = self.state.clients
        networking.deallocate(clients.network, list(row.ports or []))
        block_devices.release_all(self.state, row.uuid, self.db)
        try:
            clients.placement.delete_allocations(row.uuid)
        except NimbusError as exc:
            LOG.warning("could not delete allocations of %s: %s", row.uuid, exc)
        dbapi.destroy_instance(self.db, row.uuid)

    # -- actions ---------------------------------------------------------------------------
    def action(self, ctx: RequestContext, row: Instance, action: str, hard: bool = False) -> None:
        self._check_lock(ctx, row)
        transition = states.check_action(action, row.uuid, row.vm_state, row.task_state)
        task = TaskState.REBOOTING_HARD if action == "reboot" and hard else transition.task
        if not row.host:
            raise states.invalid_state(action, row.uuid, "vm_state", row.vm_state)
        if dbapi.update_instance(self.db, row.uuid, expected_task=None, task_state=task) is None:
            raise Conflict(f"Instance {row.uuid} is busy; try again.")
        dbapi.record_action(self.db, ctx.to_dict(), row.uuid, action)
        self.state.compute_rpc.server_action(ctx.to_dict(), row.host, row.uuid, action, hard)

    def lock(self, ctx: RequestContext, row: Instance, reason: str | None) -> None:
        dbapi.update_instance(self.db, row.uuid, locked=True,
                              locked_by="admin" if ctx.is_admin else "owner",
                              locked_reason=reason)
        dbapi.record_action(self.db, ctx.to_dict(), row.uuid, "lock")

    def unlock(self, ctx: RequestContext, row: Instance, override: bool) -> None:
        if row.locked and row.locked_by == "admin" and not override:
            raise Conflict(f"Instance {row.uuid} was locked by an administrator.")
        dbapi.update_instance(self.db, row.uuid, locked=False, locked_by=None,
                              locked_reason=None)
        dbapi.record_action(self.db, ctx.to_dict(), row.uuid, "unlock")

    # -- volumes ---------------------------------------------------------------------------
    def attach_volume(self, ctx: RequestContext, row: Instance, volume_id: str,
                      device: str | None, tag: str | None,
                      delete_on_termination: bool) -> VolumeAttachment:
        self._check_lock(ctx, row)
        attachable = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED)
        if row.vm_state not in attachable or row.task_state is not None or not row.host:
            raise states.invalid_state("attach_volume", row.uuid,
                                       "task_state" if row.task_state else "vm_state",
                                       row.task_state or row.vm_state)
        volumes = self.state.clients.volume
        block_devices.visible_volume(self.state, volume_id, row.project_id)
        existing = dbapi.attachments_of(self.db, row.uuid)
        if any(b.volume_id == volume_id for b in existing):
            raise BadRequest(f"Invalid volume: volume {volume_id} already attached")
        block_devices.check_attachable(volumes.get_volume(volume_id))
        used = [b.device_name for b in existing]
        if not device or device in used or device == block_devices.ROOT_DEVICE:
            # As with libvirt, the name asked for is a hint; a taken one gets the next free.
            device = block_devices.next_device(used)
        attachment = volumes.create_attachment(volume_id, row.uuid)
        try:
            bdm = dbapi.add_attachment(self.db, {
                "instance_uuid": row.uuid, "volume_id": volume_id,
                "attachment_id": attachment["id"], "device_name": device, "tag": tag,
                "delete_on_termination": delete_on_termination})
        except Exception:
            volumes.delete_attachment(attachment["id"])
            raise
        dbapi.record_action(self.db, ctx.to_dict(), row.uuid, "attach_volume")
        self.state.compute_rpc.attach_volume(ctx.to_dict(), row.host, row.uuid, bdm.id)
        return bdm

    def detach_volume(self, ctx: RequestContext, row: Instance, volume_id: str) -> None:
        self._check_lock(ctx, row)
        bdm = self.attachment(row, volume_id)
        if row.task_state is not None or not row.host:
            raise states.invalid_state("detach_volume", row.uuid,
                                       "task_state" if row.task_state else "vm_state",
                                       row.task_state or row.vm_state)
        if block_devices.is_root(bdm):
            raise BadRequest("Cannot detach a root device volume")
        if bdm.status == "detaching":
            raise BadRequest(f"Invalid volume: volume {volume_id} is already detaching")
        dbapi.update_attachment(self.db, bdm.id, status="detaching")
        dbapi.record_action(self.db, ctx.to_dict(), row.uuid, "detach_volume")
        self.state.compute_rpc.detach_volume(ctx.to_dict(), row.host, row.uuid, bdm.id)

    def attachment(self, row: Instance, volume_id: str) -> VolumeAttachment:
        for bdm in dbapi.attachments_of(self.db, row.uuid):
            if bdm.volume_id == volume_id:
                return bdm
        raise NotFound(f"Volume {volume_id} is not attached to {row.uuid}",
                       resource="volume attachment", id=volume_id)


def update_fields(state: ComputeState, row: Instance, **fields: Any) -> Instance:
    """Change user-editable fields (name, description, metadata, tags); 404 if it went away."""
    updated = dbapi.update_instance(state.db, row.uuid, **fields)
    if updated is None:
        raise dbapi.instance_not_found(row.uuid)
    return updated
