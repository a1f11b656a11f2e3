"""Attaching volumes to running servers and detaching them (``os-volume_attachments``)."""

from __future__ import annotations

from nimbus.clients.volume import VolumeClient
from nimbus.compute import states
from nimbus.compute.constants import ROOT_DEVICE
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as db
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.manager.block_devices import BlockDevices, check_attachable, is_root, next_device
from nimbus.compute.manager.servers import check_lock
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.states import AttachmentStatus
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, NotFound

__all__ = ["VolumeAttachment", "VolumeAttachmentManager"]


class VolumeAttachmentManager:
    def __init__(self, db: Database, *, volumes: VolumeClient, block_devices: BlockDevices,
                 compute_rpc: ComputeAgentAPI) -> None:
        self.db = db
        self.volumes = volumes
        self.block_devices = block_devices
        self.compute_rpc = compute_rpc

    def of(self, row: Instance) -> list[VolumeAttachment]:
        """Every volume attached to the server, oldest first."""
        return db.attachments_of(self.db, row.uuid)

    def of_many(self, uuids: list[str]) -> dict[str, list[VolumeAttachment]]:
        return db.attachments_for(self.db, uuids)

    def window(self, row: Instance, limit: int | None, offset: int) -> list[VolumeAttachment]:
        return db.attachments_page(self.db, row.uuid, limit, offset)

    def get(self, row: Instance, volume_id: str) -> VolumeAttachment:
        bdm = db.find_attachment(self.db, row.uuid, volume_id=volume_id)
        if bdm is None:
            raise NotFound(f"Volume {volume_id} is not attached to {row.uuid}",
                           resource="volume attachment", id=volume_id)
        return bdm

    def attach(self, ctx: RequestContext, row: Instance, volume_id: str, device: str | None,
               tag: str | None, delete_on_termination: bool,
               offloaded_ok: bool = False) -> VolumeAttachment:
        """Attach the volume; ``offloaded_ok`` (2.20 on) allows a shelved-offloaded server,
        whose volumes its host connects when it is unshelved."""
        check_lock(ctx, row)
        offloaded = _offloaded(row, offloaded_ok)
        if not offloaded and (row.vm_state not in states.ATTACHABLE
                              or row.task_state is not None or not row.host):
            raise states.invalid_state("attach_volume", row.uuid,
                                       "task_state" if row.task_state else "vm_state",
                                       row.task_state or row.vm_state)
        # Which volumes the caller may name is as in Nova: an administrator's context sees
        # every project's, so an administrator may attach another project's volume.
        if not ctx.is_admin:
            self.block_devices.visible_volume(volume_id, row.project_id)
        existing = self.of(row)
        if any(b.volume_id == volume_id for b in existing):
            raise BadRequest(f"Invalid volume: volume {volume_id} already attached")
        check_attachable(self.volumes.get_volume(volume_id))
        used = [b.device_name for b in existing]
        if not device or device in used or device == ROOT_DEVICE:
            # As with libvirt, the name asked for is a hint; a taken one gets the next free.
            device = next_device(used)
        attachment = self.volumes.create_attachment(volume_id, row.uuid)
        try:
            bdm = db.add_attachment(self.db, {
                "instance_uuid": row.uuid, "volume_id": volume_id,
                "attachment_id": attachment["id"], "device_name": device, "tag": tag,
                "delete_on_termination": delete_on_termination})
        except Exception:
            self.volumes.delete_attachment(attachment["id"])
            raise
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "attach_volume")
        if offloaded:
            # No host to connect it on: Cinder marks the volume in use now, as Nova has it.
            self.volumes.complete_attachment(attachment["id"])
            db.update_attachment(self.db, bdm.id, status=AttachmentStatus.ATTACHED)
            return db.find_attachment(self.db, row.uuid, bdm_id=bdm.id) or bdm
        self.compute_rpc.attach_volume(ctx.to_dict(), str(row.host), row.uuid, bdm.id)
        return bdm

    def detach(self, ctx: RequestContext, row: Instance, volume_id: str,
               offloaded_ok: bool = False) -> None:
        check_lock(ctx, row)
        bdm = self.get(row, volume_id)
        if _offloaded(row, offloaded_ok):
            if is_root(bdm):
                raise BadRequest("Cannot detach a root device volume")
            # Connected nowhere: giving the attachment back to Cinder is all there is.
            if bdm.attachment_id:
                self.volumes.delete_attachment(bdm.attachment_id)
            db.remove_attachment(self.db, bdm.id)
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "detach_volume")
            return
        if row.task_state is not None or not row.host or row.vm_state not in states.DETACHABLE:
            raise states.invalid_state("detach_volume", row.uuid,
                                       "task_state" if row.task_state else "vm_state",
                                       row.task_state or row.vm_state)
        if is_root(bdm):
            raise BadRequest("Cannot detach a root device volume")
        if bdm.status == AttachmentStatus.DETACHING:
            raise BadRequest(f"Invalid volume: volume {volume_id} is already detaching")
        # As Nova does: Cinder shows the volume detaching until the attachment is gone, when
        # it goes back to in-use (other servers still hold it) or available. A client that
        # waits for that status (tempest does, for multiattach) waits for the detach itself.
        self.volumes.volume_action(volume_id, "os-begin_detaching")
        try:
            db.update_attachment(self.db, bdm.id, status=AttachmentStatus.DETACHING)
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "detach_volume")
            self.compute_rpc.detach_volume(ctx.to_dict(), row.host, row.uuid, bdm.id)
        except Exception:
            db.update_attachment(self.db, bdm.id, status=AttachmentStatus.ATTACHED)
            self.volumes.volume_action(volume_id, "os-roll_detaching")
            raise


def _offloaded(row: Instance, allowed: bool) -> bool:
    """Whether the server is shelved and offloaded, and may have volumes changed so."""
    return (allowed and row.vm_state == states.VmState.SHELVED_OFFLOADED
            and row.task_state is None)
