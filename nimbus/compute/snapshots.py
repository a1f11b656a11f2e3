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
from typing import TYPE_CHECKING, Any

from nimbus.compute import block_devices, faults, states, volume_snapshots
from nimbus.compute.db import api as dbapi
from nimbus.compute.db.models import Instance
from nimbus.compute.states import TaskState
from nimbus.core.api.context import RequestContext
from nimbus.core.errors import Conflict, NimbusError, NotFound

if TYPE_CHECKING:
    from nimbus.compute.agent import ComputeAgent
    from nimbus.compute.state import ComputeState

LOG = logging.getLogger(__name__)

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
    props.update(metadata)
    own = {"instance_uuid": row.uuid, "user_id": ctx.user_id, "image_type": "snapshot",
           "base_image_ref": row.image_ref or "", "owner_project_name": ctx.project_name,
           "owner_user_name": ctx.user_name, "boot_roles": ",".join(ctx.roles),
           "image_location": "snapshot"}
    props.update({k: str(v) for k, v in own.items() if v is not None})
    flavor_disk = int((row.flavor or {}).get("disk") or 0)
    return {**props, "name": name, "visibility": "private", "owner": row.project_id,
            "container_format": base.get("container_format") or "bare",
            "disk_format": base.get("disk_format") or "raw",
            "min_ram": int(base.get("min_ram") or 0),
            "min_disk": max(int(base.get("min_disk") or 0), flavor_disk)}


def create(state: ComputeState, ctx: RequestContext, row: Instance, name: str,
           metadata: dict[str, str]) -> str:
    """Record the snapshot image and cast the capture to the server's host; the image id."""
    if row.locked and not ctx.is_admin:
        raise Conflict(f"Instance {row.uuid} is locked")
    if row.task_state is not None:
        raise states.invalid_state("createImage", row.uuid, "task_state", row.task_state)
    if row.vm_state not in states.SNAPSHOTTABLE or not row.host:
        raise states.invalid_state("createImage", row.uuid, "vm_state", row.vm_state)
    images = state.clients.image
    bdms = dbapi.attachments_of(state.db, row.uuid)
    if any(block_devices.is_root(b) for b in bdms):
        return volume_snapshots.create(state, ctx, row,
                                       image_body(row, ctx, None, name, metadata), bdms)
    base = None
    if row.image_ref:
        try:
            base = images.get_image(row.image_ref)
        except NotFound:
            base = None     # the base image may be gone; the snapshot stands on its own
    image = images.create_image(image_body(row, ctx, base, name, metadata))
    marked = dbapi.update_instance(state.db, row.uuid, expected_task=None,
                                   task_state=TaskState.IMAGE_SNAPSHOT)
    if marked is None:
        _drop_image(images, image["id"])
        raise Conflict(f"Instance {row.uuid} is busy; try again.")
    dbapi.record_action(state.db, ctx.to_dict(), row.uuid, "createImage")
    state.compute_rpc.snapshot_instance(ctx.to_dict(), row.host, row.uuid, image["id"])
    return str(image["id"])


def capture_and_upload(agent: ComputeAgent, ctx: dict[str, Any], instance_uuid: str,
                       image_id: str) -> None:
    """The agent's part: capture the disk through the driver and upload it to ``image_id``."""
    from nimbus.compute.agent import instance_dict

    db = agent.db
    images = agent.state.clients.image
    row = dbapi.update_instance(db, instance_uuid, expected_task=TaskState.IMAGE_SNAPSHOT,
                                task_state=TaskState.IMAGE_PENDING_UPLOAD)
    if row is None:
        _drop_image(images, image_id)     # deleted (or taken over) before we started
        return
    event = dbapi.start_event(db, ctx, instance_uuid, "compute_snapshot_instance", agent.host)
    try:
        data = agent.driver.snapshot(instance_dict(row))
        image = images.get_image(image_id)
        changes = {key: value for key, value in (("disk_format", data.disk_format),
                                                 ("container_format", data.container_format))
                   if image.get(key) != value}
        if changes:
            images.update_image(image_id, changes)
        dbapi.update_instance(db, instance_uuid, expected_task=TaskState.IMAGE_PENDING_UPLOAD,
                              task_state=TaskState.IMAGE_UPLOADING)
        images.upload(image_id, data.chunks)
    except Exception as exc:
        LOG.warning("snapshot of %s into image %s failed: %s", instance_uuid, image_id, exc)
        dbapi.finish_event(db, event, "Error", traceback=str(exc))
        _drop_image(images, image_id)
        _end_task(db, instance_uuid, fault=faults.fault_from(exc))
        return
    _end_task(db, instance_uuid)
    dbapi.finish_event(db, event, "Success")


def _end_task(db: Any, instance_uuid: str, **extra: Any) -> None:
    """Clear our task, unless a delete took the server over meanwhile."""
    for task in (TaskState.IMAGE_UPLOADING, TaskState.IMAGE_PENDING_UPLOAD):
        if dbapi.update_instance(db, instance_uuid, expected_task=task, task_state=None,
                                 **extra) is not None:
            return


def _drop_image(images: Any, image_id: str) -> None:
    try:
        images.delete_image(image_id)
    except NotFound:
        pass
    except NimbusError as exc:
        LOG.warning("could not delete the unfinished snapshot image %s: %s", image_id, exc)
