"""Volumes a server is created with (``block_device_mapping_v2``): made, reserved, connected
and, when the server goes, released.

The API side runs while the user's request is served. Volumes it must make (from an image, a
snapshot, or blank) are created with the user's own token, because Cinder puts a volume in the
caller's project and has no way to make one for another project. Everything after that (waiting
for those volumes, connecting them on the host, deleting them with the server) runs on the
``nova`` service user's credentials, as all long work does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from nimbus.clients.volume import VolumeClient
from nimbus.compute.constants import ROOT_DEVICE
from nimbus.compute.db import attachments as db
from nimbus.compute.db.models import VolumeAttachment
from nimbus.compute.drivers.base import ComputeDriver
from nimbus.compute.states import AttachmentStatus
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, NimbusError, NotFound

__all__ = ["BlockDevices", "Prepared", "check_attachable", "is_root", "next_device"]

LOG = logging.getLogger(__name__)
# How long a host waits for a volume made for a server to become available.
VOLUME_WAIT_SECONDS = 300.0
# Checks an image a volume is to be made from: (image id, volume size in GB).
ImageCheck = Callable[[str, int], None]


def next_device(used: list[str]) -> str:
    """The first free ``/dev/vdX`` after the root disk ``/dev/vda``."""
    taken = set(used) | {ROOT_DEVICE}
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"/dev/vd{letter}" not in taken:
            return f"/dev/vd{letter}"
    raise BadRequest("No free device name is left on this server.")


def is_root(bdm: VolumeAttachment) -> bool:
    return bdm.device_name == ROOT_DEVICE


def check_attachable(volume: dict[str, Any]) -> None:
    if volume.get("status") != "available" and not (
            volume.get("multiattach") and volume.get("status") == "in-use"):
        raise BadRequest(f"Invalid volume: volume {volume['id']} status must be 'available' "
                         f"but it is '{volume.get('status')}'")


class Prepared:
    """What the API side made for one request, so it can be undone if the request fails."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.created_volumes: list[str] = []
        self.attachments: list[str] = []


class BlockDevices:
    """A server's volumes, through Cinder's volumes and attachments APIs."""

    def __init__(self, db: Database, volumes: VolumeClient) -> None:
        self.db = db
        self.volumes = volumes

    def visible_volume(self, volume_id: str, project_id: str) -> dict[str, Any]:
        """The volume, or 404 when it does not exist or belongs to another project."""
        try:
            volume: dict[str, Any] | None = self.volumes.get_volume(volume_id)
        except NotFound:
            volume = None
        owner = (volume or {}).get("os-vol-tenant-attr:tenant_id")
        if volume is None or (owner and owner != project_id):
            raise NotFound(f"Volume {volume_id} could not be found.", resource="volume",
                           id=volume_id)
        return volume

    # -- the API side: a create request's mappings ---------------------------------------
    def prepare(self, ctx: RequestContext, instance_uuid: str, mappings: list[dict[str, Any]],
                check_image: ImageCheck) -> Prepared:
        """Check the volumes named and make the ones asked for; the attachment rows to record.

        ``check_image`` checks an image a volume is to be made from (visible, active, big
        enough).
        """
        done = Prepared()
        try:
            used: list[str] = []
            for mapping in sorted(mappings, key=lambda m: m["boot_index"] != 0):
                done.rows.append(self._prepare_one(ctx, instance_uuid, mapping, used, done,
                                                   check_image))
        except Exception:
            self.undo(done)
            raise
        return done

    def _prepare_one(self, ctx: RequestContext, instance_uuid: str, mapping: dict[str, Any],
                     used: list[str], done: Prepared, check_image: ImageCheck) -> dict[str, Any]:
        source = mapping["source_type"]
        attachment_id = None
        if source == "volume":
            volume = self.visible_volume(mapping["uuid"], str(ctx.project_id))
            check_attachable(volume)
            # Cinder says "true"/"false"; a volume that does not say is taken as bootable.
            if mapping.get("boot_index") == 0 and \
                    str(volume.get("bootable", "true")).lower() in ("false", "0", "no"):
                raise BadRequest(f"Block Device {volume['id']} is not bootable.")
            # Reserve it now, as Nova does, so no other server can take it while this one
            # builds.
            attachment_id = self.volumes.create_attachment(volume["id"], instance_uuid)["id"]
            done.attachments.append(attachment_id)
            volume_id = str(volume["id"])
        else:
            spec: dict[str, Any] = {"name": f"{instance_uuid}-{source}"}
            if mapping.get("volume_size"):
                spec["size"] = mapping["volume_size"]
            if mapping.get("volume_type"):
                spec["volume_type"] = mapping["volume_type"]
            if source == "image":
                check_image(mapping["uuid"], int(mapping.get("volume_size") or 0))
                spec["imageRef"] = mapping["uuid"]
            elif source == "snapshot":
                spec["snapshot_id"] = mapping["uuid"]
            made = self.volumes.acting_for(ctx.auth_token, ctx.project_id).create_volume(spec)
            volume_id = str(made["id"])
            done.created_volumes.append(volume_id)
        if mapping["boot_index"] == 0:
            device = ROOT_DEVICE
        else:
            wanted = mapping.get("device_name")
            device = wanted if wanted and wanted not in used and wanted != ROOT_DEVICE \
                else next_device(used)
        used.append(device)
        return {"instance_uuid": instance_uuid, "volume_id": volume_id,
                "attachment_id": attachment_id, "device_name": device,
                "tag": mapping.get("tag"),
                "delete_on_termination": bool(mapping.get("delete_on_termination"))}

    def undo(self, done: Prepared) -> None:
        """Release what ``prepare`` reserved and delete what it made; never raises."""
        for attachment_id in done.attachments:
            try:
                self.volumes.delete_attachment(attachment_id)
            except NimbusError as exc:
                LOG.warning("could not release attachment %s: %s", attachment_id, exc)
        for volume_id in done.created_volumes:
            try:
                self.wait_for_volume(volume_id, ("available", "error"), timeout=60)
                self.volumes.delete_volume(volume_id)
            except NimbusError as exc:
                LOG.warning("could not delete volume %s made for a failed server: %s",
                            volume_id, exc)

    def wait_for_volume(self, volume_id: str, wanted: tuple[str, ...],
                        timeout: float = VOLUME_WAIT_SECONDS) -> dict[str, Any]:
        """Poll until the volume reaches one of ``wanted``; a volume in ``error`` ends the wait."""
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            volume = self.volumes.get_volume(volume_id)
            status = volume.get("status")
            if status in wanted:
                return volume
            if status == "error" or time.monotonic() > deadline:
                raise BadRequest(f"Volume {volume_id} did not become available "
                                 f"(status {status!r}).")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    # -- the host side -------------------------------------------------------------------
    def connect_all(self, driver: ComputeDriver,
                    instance: dict[str, Any]) -> list[dict[str, Any]]:
        """On the host: attach every volume the server was created with; what ``spawn`` gets."""
        connected: list[dict[str, Any]] = []
        for bdm in db.attachments_of(self.db, instance["uuid"]):
            attachment_id = bdm.attachment_id
            if attachment_id is None:
                self.wait_for_volume(bdm.volume_id, ("available",))
                attachment_id = str(self.volumes.create_attachment(bdm.volume_id,
                                                                   instance["uuid"])["id"])
                db.update_attachment(self.db, bdm.id, attachment_id=attachment_id)
            connector = driver.get_volume_connector(instance)
            attachment = self.volumes.update_attachment(attachment_id, connector,
                                                        bdm.device_name)
            self.volumes.complete_attachment(attachment_id)
            db.update_attachment(self.db, bdm.id, status=AttachmentStatus.ATTACHED)
            connected.append({"volume_id": bdm.volume_id, "device_name": bdm.device_name,
                              "boot_index": 0 if is_root(bdm) else None,
                              "connection_info": attachment.get("connection_info") or {}})
        return connected

    def release_connections(self, instance_uuid: str, driver: ComputeDriver,
                            info: dict[str, Any]) -> None:
        """Unplug the server's volumes from this host, keeping them attached to the server
        (a shelve offload: they are connected again wherever it is unshelved)."""
        for bdm in db.attachments_of(self.db, instance_uuid):
            try:
                driver.detach_volume(info, None, bdm.device_name)
            except NimbusError as exc:
                LOG.warning("detaching %s from %s: %s", bdm.volume_id, instance_uuid, exc)

    def release_all(self, instance_uuid: str, driver: ComputeDriver | None = None,
                    info: dict[str, Any] | None = None) -> None:
        """Disconnect and release every volume of a server going away, deleting those marked
        ``delete_on_termination``. Failures are logged: a delete must always be able to
        finish."""
        for bdm in db.attachments_of(self.db, instance_uuid):
            if driver is not None and info is not None:
                try:
                    driver.detach_volume(info, None, bdm.device_name)
                except NimbusError as exc:
                    LOG.warning("detaching %s from %s: %s", bdm.volume_id, instance_uuid, exc)
            try:
                if bdm.attachment_id:
                    self.volumes.delete_attachment(bdm.attachment_id)
                if bdm.delete_on_termination:
                    if bdm.attachment_id is None:
                        # Made for this server and maybe still being made: let it settle first.
                        self.wait_for_volume(bdm.volume_id, ("available", "error"), timeout=60)
                    self.volumes.delete_volume(bdm.volume_id)
            except NimbusError as exc:
                LOG.warning("releasing volume %s of %s: %s", bdm.volume_id, instance_uuid, exc)
