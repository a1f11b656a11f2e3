"""What changes a volume's data from the API: revert to a snapshot (3.40), upload to an image
(``os-volume_upload_image``), and compute's answer to an extend it did for the volume
(``os-extend_volume_completion``, 3.71).

Each checks and moves the volume (and the snapshot) into its transient status under a row lock
before casting the work to the volume's agent (``agent/volume_ops.py``).
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume import constants, states
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.errors import InvalidInput, InvalidVolume
from nimbus.volume.manager.images import Images
from nimbus.volume.rpcapi import VolumeAgentAPI

# What a volume made from an image keeps of it that is the image's own, not a property to copy.
_NOT_PROPERTIES = frozenset({"image_id", "image_name", "checksum", "container_format",
                             "disk_format", "min_disk", "min_ram", "size"})


class VolumeData:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, images: Images) -> None:
        self.db = database
        self.rpc = rpc
        self.images = images

    # -- revert -----------------------------------------------------------------------------------
    def revert(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
               snapshot_id: str) -> None:
        host = self._begin_revert(volume_id, project_id, snapshot_id)
        self.rpc.revert_to_snapshot(ctx, host, volume_id, snapshot_id)

    @retry_on_lock()
    def _begin_revert(self, volume_id: str, project_id: str | None, snapshot_id: str) -> str:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id, lock=True)
            snap = db_snapshots.get(s, snapshot_id, project_id)
            if snap.volume_id != row.id:
                raise InvalidInput(reason=f"Snapshot {snapshot_id} is not a snapshot of volume "
                                          f"{volume_id}.")
            states.require("revert", row.id, row.status)
            latest = db_snapshots.latest_of_volume(s, row.id)
            if latest is None or latest.id != snap.id:
                raise InvalidInput(reason=f"Volume {volume_id} can only be reverted to its "
                                          f"latest snapshot; {snapshot_id} is not it.")
            if snap.status != states.AVAILABLE:
                raise InvalidInput(reason=f"Snapshot {snapshot_id} status must be available to "
                                          f"revert to, but it is {snap.status}.")
            if snap.size != row.size:
                raise InvalidVolume(reason=f"Volume {volume_id} is {row.size} GB and snapshot "
                                           f"{snapshot_id} {snap.size} GB; a volume is only "
                                           "reverted to a snapshot of its own size.")
            if not row.host:
                raise InvalidInput(reason=f"Volume {row.id} has no backend host.")
            states.VOLUME_STATUS.move(row, states.REVERTING)
            states.SNAPSHOT_STATUS.move(snap, states.RESTORING)
            row.updated_at = snap.updated_at = utcnow()
            return row.host

    # -- upload to an image -----------------------------------------------------------------------
    def upload(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
               arg: dict[str, Any], token: str | None) -> dict[str, Any]:
        """The image record is made as the caller (so that it is theirs); the agent fills it."""
        with self.db.reader() as s:
            row = db_volumes.get(s, volume_id, project_id)
            volume = records.volume_records(s, [row])[0]
        self._check_uploadable(volume, bool(arg.get("force")))
        if volume.get("encryption_key_id"):
            # Cinder would upload the ciphertext with a copy of the key for the image; this
            # cloud has no key manager that an image could name its key in.
            raise InvalidVolume(reason=f"Volume {volume['id']} is encrypted; uploading an "
                                       "encrypted volume to an image is not supported.")
        disk_format = str(arg.get("disk_format") or "raw")
        spec: dict[str, Any] = {
            "name": arg["image_name"],
            "disk_format": disk_format,
            "container_format": str(arg.get("container_format") or "bare"),
            "min_disk": int(volume["size"]),
            **{k: str(v) for k, v in (volume["image_metadata"] or {}).items()
               if k not in _NOT_PROPERTIES},
        }
        for key in ("visibility", "protected"):
            if key in arg:
                spec[key] = arg[key]
        image = self.images.create(spec, token, volume["project_id"])
        try:
            host = self._begin_upload(volume_id, bool(arg.get("force")))
        except Exception:
            self.images.delete(str(image["id"]), token, volume["project_id"])
            raise
        self.rpc.copy_volume_to_image(ctx, host, volume_id, str(image["id"]), disk_format)
        return {"id": volume_id, "updated_at": utcnow(), "status": states.UPLOADING,
                "display_description": volume["description"], "size": volume["size"],
                "volume_type": volume["volume_type"], "image_id": image["id"],
                "container_format": spec["container_format"], "disk_format": disk_format,
                "image_name": spec["name"], "protected": bool(image.get("protected")),
                "visibility": image.get("visibility", "private")}

    @staticmethod
    def _check_uploadable(volume: dict[str, Any], force: bool) -> None:
        states.require("upload_image", volume["id"], volume["status"])
        if volume["status"] == states.IN_USE and not force:
            raise InvalidVolume(reason=f"Volume {volume['id']} is in-use; uploading it needs "
                                       "force.")

    @retry_on_lock()
    def _begin_upload(self, volume_id: str, force: bool) -> str:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            self._check_uploadable({"id": row.id, "status": row.status}, force)
            if not row.host:
                raise InvalidInput(reason=f"Volume {row.id} has no backend host.")
            states.VOLUME_STATUS.move(row, states.UPLOADING)
            row.updated_at = utcnow()
            return row.host

    # -- extend completion ------------------------------------------------------------------------
    @retry_on_lock()
    def complete_extend(self, volume_id: str, error: bool,
                        request_id: str | None = None) -> None:
        """Compute grew the attached volume (or could not): the extend is over either way."""
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            admin = dict(row.admin_metadata or {})
            if row.status != states.EXTENDING or constants.EXTEND_NEW_SIZE not in admin:
                raise InvalidVolume(reason=f"Volume {volume_id} is not waiting for an extend "
                                           "to complete.")
            new_size = int(admin.pop(constants.EXTEND_NEW_SIZE))
            row.admin_metadata = admin
            row.updated_at = utcnow()
            if error:
                states.VOLUME_STATUS.move(row, states.ERROR_EXTENDING)
                db_messages.record(s, project_id=row.project_id,
                                   resource_type=constants.RESOURCE_VOLUME, resource_uuid=row.id,
                                   fault=constants.EXTEND_BY_COMPUTE_FAILED,
                                   request_id=request_id)
                return
            row.size = new_size
            states.VOLUME_STATUS.move(row, states.IN_USE if row.attach_status == states.ATTACHED
                                      else states.AVAILABLE)
