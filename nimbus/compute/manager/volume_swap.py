"""Updating a volume attachment: swapping the volume behind it, or (2.85) its own fields.

A swap is Cinder's to ask for: when Cinder migrates or retypes a volume in use, it makes a new
volume and asks compute to move the server onto it, then completes the migration. So only a
volume Cinder is migrating may be swapped; anything else is a 409, as Nova answers it. The API
side checks the two volumes, marks the old one detaching, makes the new volume's attachment
(Cinder's attachments API) and hands the rest to the server's host (``agent/volume_swap.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.clients.volume import VolumeClient
from nimbus.compute import states
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as db
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.manager.servers import check_lock
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.states import VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, Conflict, NimbusError, NotFound

LOG = logging.getLogger(__name__)
# The states a server's volume may be swapped in (Nova's).
SWAPPABLE = (VmState.ACTIVE, VmState.PAUSED, VmState.RESIZED)
# Attachment fields a 2.85 update may name but not change.
_FIXED = (("device", "device_name"), ("tag", "tag"))


def bdm_not_found(volume_id: str) -> NotFound:
    return NotFound(f"No volume Block Device Mapping with id {volume_id}.",
                    resource="volume attachment", id=volume_id)


class VolumeSwapManager:
    def __init__(self, db: Database, *, volumes: VolumeClient,
                 compute_rpc: ComputeAgentAPI) -> None:
        self.db = db
        self.volumes = volumes
        self.compute_rpc = compute_rpc

    def update_fields(self, row: Instance, volume_id: str, body: dict[str, Any]) -> None:
        """The 2.85 update: ``delete_on_termination`` changes; the other fields of the
        attachment may only be repeated as they are."""
        bdm = db.find_attachment(self.db, row.uuid, volume_id=volume_id)
        if bdm is None:
            raise bdm_not_found(volume_id)
        if "id" in body and body["id"] != volume_id:
            raise BadRequest("The id property is not mutable")
        if "serverId" in body and body["serverId"] != row.uuid:
            raise BadRequest("The serverId property is not mutable")
        for field, column in _FIXED:
            if field in body and body[field] != getattr(bdm, column):
                raise BadRequest(f"The {field} property is not mutable")
        if "delete_on_termination" in body:
            db.update_attachment(self.db, bdm.id,
                                 delete_on_termination=as_bool(body["delete_on_termination"]))

    def swap(self, ctx: RequestContext, row: Instance, old_id: str, new_id: str) -> None:
        """Start moving the server from volume ``old_id`` to ``new_id``; its host does the
        rest. Both volumes are looked up as the caller sees them."""
        caller = self.volumes.acting_for(ctx.auth_token, ctx.project_id)
        try:
            old = caller.get_volume(old_id)
        except NotFound:
            raise NotFound(f"Volume {old_id} could not be found.", resource="volume",
                           id=old_id) from None
        if not old.get("migration_status"):
            raise Conflict(f"volume {old_id} is not migrating; this API should only be "
                           "called by Cinder")
        try:
            new = caller.get_volume(new_id)
        except NotFound:
            # In the body, not the path: a bad request, not a missing resource.
            raise BadRequest(f"Volume {new_id} could not be found.") from None
        check_lock(ctx, row)
        if row.vm_state not in SWAPPABLE or row.task_state is not None or not row.host:
            raise states.invalid_state("swap_volume", row.uuid,
                                       "task_state" if row.task_state else "vm_state",
                                       row.task_state or row.vm_state)
        bdm = self._check_volumes(row, old, new)
        self._begin_detaching(old_id)
        try:
            if _read_write_attachments(old) > 1:
                raise BadRequest("Swapping multi-attach volumes with more than one read/write "
                                 "attachment is not supported.")
            attachment_id = str(self.volumes.create_attachment(new_id, row.uuid)["id"])
        except Exception:
            self._roll_detaching(old_id)
            raise
        try:
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "swap_volume")
            self.compute_rpc.swap_volume(ctx.to_dict(), str(row.host), row.uuid, bdm.id,
                                         new_id, attachment_id)
        except Exception:
            self._roll_detaching(old_id)
            self._forget(attachment_id)
            raise

    def _check_volumes(self, row: Instance, old: dict[str, Any],
                       new: dict[str, Any]) -> VolumeAttachment:
        """The attachment of ``old`` to the server, once both volumes suit a swap."""
        if not any(a.get("server_id") == row.uuid for a in old.get("attachments") or []):
            raise BadRequest("Invalid volume: Old volume is attached to a different instance.")
        if new.get("attachments"):
            raise BadRequest("Invalid volume: New volume must be detached in order to swap.")
        if int(new.get("size") or 0) < int(old.get("size") or 0):
            raise BadRequest("Invalid volume: New volume must be the same size or larger.")
        bdm = db.find_attachment(self.db, row.uuid, volume_id=str(old["id"]))
        if bdm is None:
            raise bdm_not_found(str(old["id"]))
        if db.find_attachment(self.db, row.uuid, volume_id=str(new["id"])) is not None:
            raise BadRequest(f"Invalid volume: volume {new['id']} already attached")
        return bdm

    def _begin_detaching(self, volume_id: str) -> None:
        try:
            self.volumes.volume_action(volume_id, "os-begin_detaching")
        except (BadRequest, Conflict) as exc:
            raise BadRequest(f"Invalid volume: {exc.message}") from None

    def _roll_detaching(self, volume_id: str) -> None:
        try:
            self.volumes.volume_action(volume_id, "os-roll_detaching")
        except NimbusError as exc:
            LOG.warning("could not roll back the detaching of volume %s: %s", volume_id, exc)

    def _forget(self, attachment_id: str) -> None:
        try:
            self.volumes.delete_attachment(attachment_id)
        except NimbusError as exc:
            LOG.warning("could not delete attachment %s: %s", attachment_id, exc)


def _read_write_attachments(volume: dict[str, Any]) -> int:
    """How many of the volume's attachments may write to it; a read-only volume's none do."""
    if str((volume.get("metadata") or {}).get("readonly", "")).lower() == "true":
        return 0
    return len(volume.get("attachments") or [])
