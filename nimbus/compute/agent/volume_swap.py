"""What a host does when Cinder moves a server onto another volume (a swap), or asks it for a
snapshot of an attached volume (an assisted snapshot).

A swap, through Cinder's attachments API: connect the new volume's attachment (made by the API
side) to this host, have the driver copy the guest over to it, complete that attachment and
delete the old one. When the old volume was being migrated, Cinder is then told the copy is
over and answers which volume id the server keeps (after a migration Cinder gives the new
volume the old one's id). A failed swap leaves the server on the old volume, gives the new
attachment back and records the failure as the server's fault; the server stays as it was.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from nimbus.compute.agent.work import GuestWork
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.manager.faults import fault_from
from nimbus.compute.manager.guests import instance_dict
from nimbus.core.errors import NimbusError, NotFound

LOG = logging.getLogger(__name__)


class VolumeSwapWork:
    """Swaps and assisted snapshots on one host's guests."""

    def __init__(self, work: GuestWork) -> None:
        self.work = work
        self.db = work.db
        self.volumes = work.deps.volumes
        self.driver = work.driver

    def swap(self, ctx: dict[str, Any], row: Instance, bdm: VolumeAttachment,
             new_volume_id: str, new_attachment_id: str) -> None:
        old_id = bdm.volume_id
        event = actions.start_event(self.db, ctx, row.uuid, "compute_swap_volume",
                                    self.work.host)
        migrating = False
        failed = False
        try:
            old = self.volumes.get_volume(old_id)
            migrating = old.get("migration_status") == "migrating"
            new = self.volumes.get_volume(new_volume_id)
            resize_to = int(new.get("size") or 0)
            if resize_to <= int(old.get("size") or 0):
                resize_to = 0
            info = instance_dict(row)
            connector = self.driver.get_volume_connector(info)
            new_connection = self.volumes.update_attachment(new_attachment_id, connector,
                                                            mountpoint=bdm.device_name)
            self.driver.swap_volume(info, self._connection_of(bdm),
                                    new_connection.get("connection_info") or {},
                                    bdm.device_name, resize_to)
            self.volumes.complete_attachment(new_attachment_id)
        except Exception as exc:
            failed = True
            LOG.warning("swapping volume %s for %s on %s failed: %s", old_id, new_volume_id,
                        row.uuid, exc)
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            db.update_instance(self.db, row.uuid, fault=fault_from(exc))
            self._give_back(old_id, new_attachment_id)
        else:
            if bdm.attachment_id:
                # Gone already when this swap is done again after a restart.
                with contextlib.suppress(NotFound):
                    self.volumes.delete_attachment(bdm.attachment_id)
        keep = self._keep(old_id, new_volume_id, migrating, failed)
        if failed:
            return
        bdms_db.update_attachment(self.db, bdm.id, volume_id=keep,
                                  attachment_id=new_attachment_id)
        actions.finish_event(self.db, event, "Success")

    def _connection_of(self, bdm: VolumeAttachment) -> dict[str, Any]:
        """How the old volume is connected, as Cinder recorded it on its attachment."""
        if not bdm.attachment_id:
            return {}
        try:
            return dict(self.volumes.get_attachment(bdm.attachment_id).get("connection_info")
                        or {})
        except NimbusError as exc:
            LOG.info("no connection info for attachment %s: %s", bdm.attachment_id, exc)
            return {}

    def _give_back(self, old_id: str, new_attachment_id: str) -> None:
        """After a failed swap: the old volume is attached as before, the new one free."""
        for undo, what in ((lambda: self.volumes.volume_action(old_id, "os-roll_detaching"),
                            f"the detaching of volume {old_id}"),
                           (lambda: self.volumes.delete_attachment(new_attachment_id),
                            f"attachment {new_attachment_id}")):
            try:
                undo()
            except NimbusError as exc:
                LOG.warning("could not roll back %s: %s", what, exc)

    def _keep(self, old_id: str, new_id: str, migrating: bool, failed: bool) -> str:
        """The volume id the server goes on with. Only a migration's end is Cinder's to name
        (and Cinder hears of it, failed or not); a plain swap keeps the new volume."""
        if not migrating:
            return new_id
        try:
            reply = self.volumes.migrate_volume_completion(old_id, new_id, error=failed)
        except NimbusError as exc:
            LOG.warning("could not complete the migration of volume %s: %s", old_id, exc)
            return new_id
        return str(reply.get("save_volume_id") or new_id)

    # -- assisted snapshots -------------------------------------------------------------------
    def snapshot_create(self, ctx: dict[str, Any], row: Instance, volume_id: str,
                        create_info: dict[str, Any]) -> None:
        try:
            self.driver.volume_snapshot_create(instance_dict(row), volume_id, create_info)
        except Exception as exc:
            # Cinder waits on the snapshot's status, which the driver reports to it; there is
            # no one else to tell.
            LOG.warning("assisted snapshot of volume %s on %s failed: %s", volume_id,
                        row.uuid, exc)

    def snapshot_delete(self, ctx: dict[str, Any], row: Instance, volume_id: str,
                        snapshot_id: str, delete_info: dict[str, Any]) -> None:
        try:
            self.driver.volume_snapshot_delete(instance_dict(row), volume_id, snapshot_id,
                                               delete_info)
        except Exception as exc:
            LOG.warning("deleting assisted snapshot %s of volume %s on %s failed: %s",
                        snapshot_id, volume_id, row.uuid, exc)
