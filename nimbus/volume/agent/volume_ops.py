"""Work on a volume's data beyond making and unmaking it: extend, revert to a snapshot, and
upload to an image.

An attached volume is extended by the backend when it can, and compute is told afterwards
(``volume-extended``) so that the guest sees the new size. A backend whose attached volume only
its compute host can grow (``ExtendByHost``: a file the guest's QEMU holds locked) leaves the
volume ``extending`` with the target size in its admin metadata (``extend_new_size``); compute
grows it and answers with ``os-extend_volume_completion``, which the API side records
(``manager/volume_actions.py``). A volume attached to several servers cannot be grown that way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from nimbus.core.db.engine import retry_on_lock
from nimbus.volume import constants, states
from nimbus.volume.agent.work import VolumeWork, snapshot_key
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import records
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.drivers.base import ExtendByHost

LOG = logging.getLogger(__name__)


class ComputeEvents(Protocol):
    """What is used of ``nimbus.clients.compute.ComputeClient``."""

    def external_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


class ImageSink(Protocol):
    """What is used of ``nimbus.clients.image.ImageClient``."""

    def upload(self, image_id: str, chunks: Iterable[bytes]) -> None: ...

    def delete_image(self, image_id: str) -> None: ...


class VolumeOps:
    def __init__(self, work: VolumeWork, compute: ComputeEvents | None = None,
                 images: ImageSink | None = None) -> None:
        self.work = work
        self.compute = compute
        self.images = images

    # -- extend ---------------------------------------------------------------------------------
    def extend(self, volume_id: str, new_size: int, request_id: str | None = None) -> None:
        work = self.work
        with work.taking(volume_id, "extend", states.EXTENDING, "extension") as volume:
            if volume is None:
                return
            try:
                work.driver.extend_volume(volume, int(new_size))
            except ExtendByHost:
                self._extend_by_host(volume_id, int(new_size), request_id)
                return
            except Exception as exc:
                LOG.warning("extending volume %s failed: %s", volume_id, exc)
                work.finish(volume_id, states.EXTENDING, states.ERROR_EXTENDING,
                            constants.EXTEND_FAILED, request_id)
                return
            attached = volume["attach_status"] == states.ATTACHED
            if work.finish(volume_id, states.EXTENDING,
                           states.IN_USE if attached else states.AVAILABLE, size=int(new_size)):
                work.emit("volume.resize.end", {"volume_id": volume_id, "size": new_size})
                if attached:
                    # Best effort, as in Cinder: the volume has grown whatever compute answers.
                    self._tell_compute(volume_id, self._servers_of(volume_id))

    def _servers_of(self, volume_id: str) -> list[str]:
        with self.work.db.reader() as s:
            return sorted({a.instance_uuid for a in db_attachments.live(s, volume_id)
                           if a.instance_uuid and a.attach_status == states.ATTACHED})

    def _tell_compute(self, volume_id: str, servers: list[str]) -> bool:
        """Send ``volume-extended`` for each server; whether compute accepted every one."""
        if not servers or self.compute is None:
            return False
        events = [{"name": "volume-extended", "server_uuid": uuid, "tag": volume_id}
                  for uuid in servers]
        try:
            results = self.compute.external_events(events)
        except Exception as exc:  # compute down or refusing: the caller decides what it means
            LOG.warning("compute was not told that volume %s grew: %s", volume_id, exc)
            return False
        return len(results) == len(events) and all(r.get("code") == 200 for r in results)

    def _extend_by_host(self, volume_id: str, new_size: int, request_id: str | None) -> None:
        servers = self._servers_of(volume_id)
        if len(servers) != 1 or self.compute is None:
            LOG.warning("volume %s can only be grown by the one server that has it open; it is "
                        "attached to %d", volume_id, len(servers))
            self.work.finish(volume_id, states.EXTENDING, states.ERROR_EXTENDING,
                             constants.EXTEND_FAILED, request_id)
            return
        if not self._await_host(volume_id, new_size):
            return
        LOG.info("volume %s: asking compute to grow it to %d GiB inside server %s", volume_id,
                 new_size, servers[0])
        if not self._tell_compute(volume_id, servers):
            self.work.finish(volume_id, states.EXTENDING, states.ERROR_EXTENDING,
                             constants.EXTEND_BY_COMPUTE_FAILED, request_id,
                             admin_metadata=self._without_extend(volume_id))

    @retry_on_lock()
    def _await_host(self, volume_id: str, new_size: int) -> bool:
        with self.work.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is None or row.status != states.EXTENDING:
                return False
            row.admin_metadata = {**(row.admin_metadata or {}), constants.EXTEND_NEW_SIZE: new_size}
            return True

    def _without_extend(self, volume_id: str) -> dict[str, Any]:
        with self.work.db.reader() as s:
            row = db_volumes.find(s, volume_id)
            current = dict(row.admin_metadata or {}) if row is not None else {}
        current.pop(constants.EXTEND_NEW_SIZE, None)
        return current

    # -- revert to a snapshot ---------------------------------------------------------------------
    def revert(self, volume_id: str, snapshot_id: str, request_id: str | None = None) -> None:
        work = self.work
        with work.taking(volume_id, "revert", states.REVERTING, "revert") as volume, \
                work.claims.holding(snapshot_key(snapshot_id), "restore", wait=True):
            if volume is None:
                return
            with work.db.reader() as s:
                snap = db_snapshots.find(s, snapshot_id)
                record = records.snapshot_record(snap) if snap is not None else None
            try:
                if record is None or record["status"] != states.RESTORING:
                    raise LookupError(f"snapshot {snapshot_id} is gone or no longer restoring")
                work.driver.revert_to_snapshot(volume, record)
            except Exception as exc:
                LOG.warning("reverting volume %s to snapshot %s failed: %s", volume_id,
                            snapshot_id, exc)
                work.finish(volume_id, states.REVERTING, states.ERROR, constants.REVERT_FAILED,
                            request_id)
                work.finish_snapshot(snapshot_id, states.RESTORING, states.AVAILABLE)
                return
            work.finish(volume_id, states.REVERTING, states.AVAILABLE)
            work.finish_snapshot(snapshot_id, states.RESTORING, states.AVAILABLE)
            work.emit("volume.revert.end", {"volume_id": volume_id,
                                             "snapshot_id": snapshot_id})

    # -- upload to an image -----------------------------------------------------------------------
    def upload(self, volume_id: str, image_id: str, disk_format: str,
               request_id: str | None = None) -> None:
        work = self.work
        with work.taking(volume_id, "upload", states.UPLOADING, "upload") as volume:
            if volume is None:
                return
            failed = False
            try:
                if self.images is None:
                    raise LookupError("this agent has no image service")
                self.images.upload(image_id, work.driver.copy_volume_to_image(volume,
                                                                              disk_format))
            except Exception as exc:
                failed = True
                LOG.warning("uploading volume %s to image %s failed: %s", volume_id, image_id,
                            exc)
                self._drop_image(image_id)
            settled = work.settle(volume_id, states.UPLOADING)
            if failed and settled is not None:
                work.record_message(volume_id, constants.UPLOAD_FAILED, request_id)
            elif not failed:
                work.emit("volume.upload_image.end", {"volume_id": volume_id,
                                                       "image_id": image_id})

    def _drop_image(self, image_id: str) -> None:
        """A failed upload leaves no half image behind (as Cinder deletes it)."""
        try:
            if self.images is not None:
                self.images.delete_image(image_id)
        except Exception as exc:  # the image service may be what failed
            LOG.warning("image %s of a failed upload was not deleted: %s", image_id, exc)
