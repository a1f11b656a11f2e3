"""Server snapshots (the ``createImage`` action): the image record on the API side, the upload
on the agent's.

The API creates a queued image as the ``nova`` service user, owned by the server's project and
carrying Nova's snapshot properties, marks the server ``image_snapshot`` and casts to the agent.
The agent moves through ``image_pending_upload`` (the driver captures the disk) and
``image_uploading`` (the bytes go to the image API) back to no task. A failed snapshot leaves
the server as it was, with the reason in its fault, and removes the half-made image.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.clients.volume import VolumeClient
from nimbus.compute import states
from nimbus.compute.db import actions
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance
from nimbus.compute.drivers.base import ComputeDriver
from nimbus.compute.manager.block_devices import is_root
from nimbus.compute.manager.faults import fault_from
from nimbus.compute.manager.guests import instance_dict
from nimbus.compute.manager.volume_snapshots import snapshot_volumes
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.states import TaskState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id
from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict, NimbusError, NotFound

LOG = logging.getLogger(__name__)
# The tasks of a snapshot in progress, last first.
SNAPSHOT_TASKS = (TaskState.IMAGE_UPLOADING, TaskState.IMAGE_PENDING_UPLOAD,
                  TaskState.IMAGE_SNAPSHOT)

# Base-image properties a snapshot must not inherit: they describe that image, not this one.
_NOT_INHERITED = frozenset({
    "id", "name", "status", "visibility", "protected", "checksum", "os_hash_algo",
    "os_hash_value", "owner", "size", "virtual_size", "min_ram", "min_disk", "disk_format",
    "container_format", "created_at", "updated_at", "tags", "self", "file", "schema",
    "locations", "direct_url", "os_hidden", "stores", "cache_in_nova", "bittorrent",
    "img_signature", "img_signature_hash_method", "img_signature_key_type",
    "img_signature_certificate_uuid", "block_device_mapping", "bdm_v2", "root_device_name",
})


def image_body(row: Instance, ctx: RequestContext, base: dict[str, Any] | None, name: str,
               metadata: dict[str, str]) -> dict[str, Any]:
    """The ``POST /v2/images`` body for a snapshot of ``row``, as Nova fills it."""
    base = base or {}
    props = {k: v for k, v in base.items()
             if k not in _NOT_INHERITED and not k.startswith("os_glance") and isinstance(v, str)}
    own = {"instance_uuid": row.uuid, "user_id": ctx.user_id, "image_type": "snapshot",
           "base_image_ref": row.image_ref or "", "owner_project_name": ctx.project_name,
           "owner_user_name": ctx.user_name, "boot_roles": ",".join(ctx.roles),
           "image_location": "snapshot"}
    props.update({k: str(v) for k, v in own.items() if v is not None})
    # What the request names wins, as in Nova (an ``image_type`` of the caller's own, say).
    props.update(metadata)
    flavor_disk = int((row.flavor or {}).get("disk") or 0)
    return {**props, "name": name, "visibility": "private", "owner": row.project_id,
            "container_format": base.get("container_format") or "bare",
            "disk_format": base.get("disk_format") or "raw",
            "min_ram": int(base.get("min_ram") or 0),
            "min_disk": max(int(base.get("min_disk") or 0), flavor_disk)}


class SnapshotManager:
    """``createImage``: the API records the image and casts; the agent captures and uploads."""

    def __init__(self, db: Database, images: ImageClient, volumes: VolumeClient,
                 compute_rpc: ComputeAgentAPI) -> None:
        self.db = db
        self.images = images
        self.volumes = volumes
        self.compute_rpc = compute_rpc

    def backup(self, ctx: RequestContext, row: Instance, name: str, backup_type: str,
               rotation: int, metadata: dict[str, str]) -> str | None:
        """``createBackup``: a snapshot marked as a backup of ``backup_type``, keeping only the
        newest ``rotation`` backups of that type (0 keeps none, and makes none)."""
        image_id = None
        if rotation > 0:
            image_id = self.create(ctx, row, name, metadata,
                                   extra={"image_type": "backup", "backup_type": backup_type})
        try:
            older = self.images.list_images(instance_uuid=row.uuid, image_type="backup",
                                            backup_type=backup_type)
        except NimbusError as exc:
            LOG.warning("could not list the backups of %s: %s", row.uuid, exc)
            return image_id
        kept = 0 if image_id is None else 1
        for image in older:
            if image["id"] == image_id:
                continue
            if kept < rotation:
                kept += 1
                continue
            self._drop_image(str(image["id"]))
        return image_id

    def create(self, ctx: RequestContext, row: Instance, name: str,
               metadata: dict[str, str], extra: dict[str, str] | None = None) -> str:
        """Record the snapshot image and cast the capture to the server's host; the image id."""
        if row.locked and not ctx.is_admin:
            raise Conflict(f"Instance {row.uuid} is locked")
        if row.task_state is not None:
            raise states.invalid_state("createImage", row.uuid, "task_state", row.task_state)
        if row.vm_state not in states.SNAPSHOTTABLE or not row.host:
            raise states.invalid_state("createImage", row.uuid, "vm_state", row.vm_state)
        bdms = bdms_db.attachments_of(self.db, row.uuid)
        if any(is_root(b) for b in bdms):
            image_id = snapshot_volumes(self.volumes.acting_for(ctx.auth_token, ctx.project_id),
                                        self.images, image_body(row, ctx, None, name, metadata),
                                        bdms)
            actions.record_action(self.db, ctx.to_dict(), row.uuid, "createImage")
            return image_id
        base = None
        if row.image_ref:
            try:
                base = self.images.get_image(row.image_ref)
            except NotFound:
                base = None     # the base image may be gone; the snapshot stands on its own
        # The image's id is chosen here and recorded with the task before the image exists,
        # so that whatever a crash leaves half-made can be found and removed.
        image_id = new_id()
        marked = db.update_instance(self.db, row.uuid, expected_task=None,
                                    task_state=TaskState.IMAGE_SNAPSHOT,
                                    snapshot_image_id=image_id)
        if marked is None:
            raise Conflict(f"Instance {row.uuid} is busy; try again.")
        try:
            image = self.images.create_image({"id": image_id,
                                              **image_body(row, ctx, base, name, metadata),
                                              **(extra or {})})
        except Exception:
            db.update_instance(self.db, row.uuid, expected_task=TaskState.IMAGE_SNAPSHOT,
                               task_state=None, snapshot_image_id=None)
            raise
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "createImage")
        self.compute_rpc.snapshot_instance(ctx.to_dict(), row.host, row.uuid, image["id"])
        return str(image["id"])

    def capture(self, ctx: dict[str, Any], instance_uuid: str, image_id: str,
                driver: ComputeDriver, host: str) -> None:
        """The agent's part: capture the disk through ``driver`` and upload it to
        ``image_id``."""
        row = db.find_instance(self.db, instance_uuid)
        if row is not None and row.snapshot_image_id not in (None, image_id):
            row = None      # a later snapshot holds the task: this message is an old one
        if row is not None:
            row = db.update_instance(self.db, instance_uuid,
                                     expected_task=TaskState.IMAGE_SNAPSHOT,
                                     task_state=TaskState.IMAGE_PENDING_UPLOAD)
        if row is None:
            # Deleted, taken over or already dealt with: an image still unfinished goes.
            self.drop_unfinished(image_id)
            return
        event = actions.start_event(self.db, ctx, instance_uuid, "compute_snapshot_instance",
                                    host)
        try:
            data = driver.snapshot(instance_dict(row))
            image = self.images.get_image(image_id)
            changes = {key: value for key, value in (("disk_format", data.disk_format),
                                                     ("container_format", data.container_format))
                       if image.get(key) != value}
            if changes:
                self.images.update_image(image_id, changes)
            db.update_instance(self.db, instance_uuid,
                               expected_task=TaskState.IMAGE_PENDING_UPLOAD,
                               task_state=TaskState.IMAGE_UPLOADING)
            self.images.upload(image_id, data.chunks)
        except Exception as exc:
            LOG.warning("snapshot of %s into image %s failed: %s", instance_uuid, image_id, exc)
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            self._drop_image(image_id)
            self.end_task(instance_uuid, fault=fault_from(exc))
            return
        self.end_task(instance_uuid)
        actions.finish_event(self.db, event, "Success")

    def end_task(self, instance_uuid: str, **extra: Any) -> bool:
        """Clear our task, unless a delete took the server over meanwhile; whether it did."""
        for task in SNAPSHOT_TASKS:
            if db.update_instance(self.db, instance_uuid, expected_task=task, task_state=None,
                                  snapshot_image_id=None, **extra) is not None:
                return True
        return False

    def drop_unfinished(self, image_id: str) -> str:
        """Delete the snapshot image unless its upload finished; what became of it."""
        try:
            image = self.images.get_image(image_id)
        except NotFound:
            return "absent"
        except NimbusError as exc:
            LOG.warning("could not look at the snapshot image %s: %s", image_id, exc)
            return "unknown"
        if image.get("status") == "active":
            return "active"
        self._drop_image(image_id)
        return "deleted"

    def _drop_image(self, image_id: str) -> None:
        try:
            self.images.delete_image(image_id)
        except NotFound:
            pass
        except NimbusError as exc:
            LOG.warning("could not delete the unfinished snapshot image %s: %s", image_id, exc)
