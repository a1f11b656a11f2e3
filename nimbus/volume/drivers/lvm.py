"""Volumes as LVM logical volumes of one volume group (Cinder's LVM driver), served to compute
hosts over NBD by the backend's ``qemu-storage-daemon`` (``nbd_export.py``) as Cinder serves
its LVs over iSCSI: every attach goes over the network, whatever machine the guest is on.

Options (the backend's settings): ``volume_group`` (``nimbus-volumes``), ``lvm_type``
(``thin``, Cinder's default, or ``thick``), ``thin_pool`` (``<vg>-pool``, made with
``thin_pool_size`` of the group, ``95%FREE``, when missing), ``lvm_activation`` (``auto``, or
``never`` to keep LVs inactive even where device-mapper works) and the NBD options of
``NbdExports.for_backend``.

Three ways to keep the volumes, decided at start and logged with the reason (``lvm_vg.py``):

- ``thin``: thin LVs in a thin pool, snapshots and their volumes are thin snapshots (each an LV
  of its own, which outlives its origin), a revert a thin snapshot of the snapshot renamed into
  place. Blocks never written read as zeros, and the pool zeroes a block it hands out (start
  refuses a pool that does not), so no volume reads what a deleted one held;
- ``thick``: linear LVs, zeroed when made; snapshots and clones are copies;
- ``extents``: a kernel without device-mapper cannot activate an LV, so the LVs are metadata
  only (``--driverloaded n``), each one contiguous run of extents, and read and written at
  their place on the physical volume. As ``thick`` otherwise; an extend that cannot stay
  contiguous moves the volume into a new LV (only while it is not attached).

A volume is ``volume-<id>``, a snapshot ``_snapshot-<id>`` (LVM reserves names that begin
with ``snapshot``). A change that replaces an LV builds the new one as ``<name>.new`` and swaps
names through ``<name>.old``; ``start`` finishes or undoes a swap a crash cut short. Encrypted
volumes are refused: their LUKS layer would have to live in the volume's bytes, which this
driver does not write.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nimbus.volume.drivers import nbd_export
from nimbus.volume.drivers.base import ModelUpdate, Volume, VolumeDriver
from nimbus.volume.drivers.lvm_manage import LvmManageMixin
from nimbus.volume.drivers.lvm_vg import Extent, VolumeGroup, copy, qemu_img
from nimbus.volume.errors import VolumeBackendError

LOG = logging.getLogger(__name__)
GB = 1024 ** 3
THIN, THICK, EXTENTS = "thin", "thick", "extents"


def device_mapper() -> str | None:
    """Why LVs cannot be activated here (None when device-mapper works)."""
    if shutil.which("dmsetup") is None:
        return "dmsetup is not installed"
    done = subprocess.run(["dmsetup", "targets"], capture_output=True, text=True, timeout=60,
                          check=False)
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return f"the kernel has no device-mapper (dmsetup targets: {lines[0] if lines else '?'})"


def snapshot_lv(snapshot: dict[str, Any]) -> str:
    return f"_snapshot-{snapshot['id']}"


class LvmDriver(LvmManageMixin, VolumeDriver):
    backend_name = "lvm"
    storage_protocol = "nbd"
    supports_multiattach = True
    # The volume host grows the LV and serves it again at its new size; compute shows it.
    supports_extend_attached = True
    supports_snapshots = True
    copies_images = True
    # A create run again removes what the cut-off one left and starts over.
    resumable = True
    vendor_name = "Open Source"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.state_dir = Path(str(config["state_dir"]))
        self.vg = VolumeGroup(str(config.get("volume_group") or "nimbus-volumes"), False)
        self.mode = THICK
        self.thin_pool: str | None = None
        self.exports = nbd_export.NbdExports.for_backend(config, self.passphrase)

    # -- start -------------------------------------------------------------------------------
    def start(self) -> None:
        for tool, package in (("lvm", "lvm2"), ("qemu-img", "qemu-utils")):
            if shutil.which(tool) is None:
                raise VolumeBackendError(reason=f"{tool} is not installed (Debian: {package}); "
                                                "the lvm volume driver needs it.")
        self.exports.check()
        wanted = str(self.config.get("lvm_type") or THIN)
        if wanted == "default":     # Cinder's name for thick
            wanted = THICK
        if wanted not in (THIN, THICK):
            raise VolumeBackendError(reason=f"lvm_type {wanted} is unknown; use thin or thick.")
        why = ("lvm_activation is never" if self.config.get("lvm_activation") == "never"
               else device_mapper())
        self.vg = VolumeGroup(self.vg.name, metadata_only=why is not None)
        self.vg.info()
        if why is not None:
            self.mode = EXTENTS
            LOG.info("lvm backend on volume group %s: logical volumes are metadata only, each "
                     "one contiguous run of extents read and written on its physical volume, "
                     "because %s%s", self.vg.name, why,
                     " (lvm_type thin needs device-mapper)" if wanted == THIN else "")
        elif wanted == THIN:
            self.mode = THIN
            self.thin_pool = self._pool()
            LOG.info("lvm backend on volume group %s: thin volumes in pool %s", self.vg.name,
                     self.thin_pool)
        else:
            self.mode = THICK
            LOG.info("lvm backend on volume group %s: linear volumes, zeroed when made",
                     self.vg.name)
        self.thin_provisioning = self.mode == THIN
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._repair()
        self.exports.restore()

    def _pool(self) -> str:
        pool = str(self.config.get("thin_pool") or f"{self.vg.name}-pool")
        found = self.vg.volumes().get(pool)
        if found is None:
            size = str(self.config.get("thin_pool_size") or "95%FREE")
            sized = ["-l", size] if "%" in size else ["-L", size]
            self.vg.run("lvcreate", "--yes", "--type", "thin-pool", "-Zy", *sized, "-n", pool,
                        self.vg.name)
            found = self.vg.volumes()[pool]
        attr = found["lv_attr"]
        if not attr.startswith("t"):
            raise VolumeBackendError(reason=f"{self.vg.name}/{pool} is not a thin pool.")
        if attr[7:8] != "z":
            # Without it a block written in part keeps the rest of what a deleted volume held.
            raise VolumeBackendError(reason=f"Thin pool {self.vg.name}/{pool} does not zero "
                                            "the blocks it hands out, so volumes could read "
                                            "each other's data; run lvchange -Zy on it.")
        return pool

    def _repair(self) -> None:
        """Finish or undo the name swaps a crash cut short (see ``_swap``)."""
        names = set(self.vg.volumes())
        for old in sorted(n for n in names if n.endswith(".old")):
            lv = old[:-len(".old")]
            if lv not in names and f"{lv}.new" in names:
                self.vg.rename(f"{lv}.new", lv)
            elif lv not in names:
                self.vg.rename(old, lv)
                continue
            self.vg.remove(old)
            LOG.info("lvm: the replacement of %s, cut short, was finished", lv)
        for new in sorted(n for n in self.vg.volumes() if n.endswith(".new")):
            self.vg.remove(new)     # a copy that never finished

    # -- LVs and their bytes -----------------------------------------------------------------
    def _fresh(self, lv: str, size: int) -> Extent:
        """A new LV of ``size`` bytes that reads as zeros (what an earlier try left goes)."""
        self.vg.remove(lv)
        self.vg.create(lv, size, self.thin_pool)
        where = self.vg.locate(lv)
        if self.mode != THIN:
            where.zero()
        return where

    def _swap(self, lv: str) -> None:
        """``<lv>.new`` becomes ``lv``; the old one goes."""
        self.vg.rename(lv, f"{lv}.old")
        self.vg.rename(f"{lv}.new", lv)
        self.vg.remove(f"{lv}.old")

    def _from(self, source: str, lv: str, size: int) -> ModelUpdate:
        """``lv``, of ``size`` bytes, holding ``source``'s data."""
        if not self.vg.exists(source):
            raise VolumeBackendError(reason=f"{source} is missing on the volume host.")
        if self.mode == THIN:
            self.vg.remove(lv)
            self.vg.thin_snapshot(source, lv)
            if self.vg.locate(lv).size < size:
                self.vg.extend(lv, size)
        else:
            copy(self.vg.locate(source), self._fresh(lv, size), target_is_zero=True)
        return {"provider_location": f"{self.vg.name}/{lv}"}

    @staticmethod
    def _plain(volume: Volume) -> None:
        if volume.get("encryption"):
            raise VolumeBackendError(reason="The lvm backend does not keep encrypted volumes; "
                                            "use a volume type without encryption, or the file "
                                            "backend.")

    # -- volumes -----------------------------------------------------------------------------
    def create_volume(self, volume: Volume) -> ModelUpdate:
        self._plain(volume)
        self._fresh(volume["name"], int(volume["size"]) * GB)
        return {"provider_location": f"{self.vg.name}/{volume['name']}"}

    def copy_image_to_volume(self, volume: Volume, image: dict[str, Any],
                             chunks: Iterable[bytes]) -> ModelUpdate:
        """The image's data, streamed to a scratch file, converted onto the new LV."""
        self._plain(volume)
        fd, name = tempfile.mkstemp(prefix=f"image-{volume['id']}-", dir=self.state_dir)
        scratch = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
            fmt = {"vhd": "vpc", "iso": "raw"}.get(str(image.get("disk_format")),
                                                    str(image.get("disk_format") or "raw"))
            info = json.loads(qemu_img("info", "--output=json", "-f", fmt, str(scratch)))
            if info.get("backing-filename") or \
                    ((info.get("format-specific") or {}).get("data") or {}).get("data-file"):
                raise VolumeBackendError(reason=f"Image {image.get('id')} names a backing or "
                                                "data file; it was not copied.")
            if int(info.get("virtual-size") or 0) > int(volume["size"]) * GB:
                raise VolumeBackendError(reason=f"Image {image.get('id')} is larger than the "
                                                f"{volume['size']} GB volume.")
            target = self._fresh(volume["name"], int(volume["size"]) * GB)
            qemu_img("convert", "-n", "-t", "none", "--target-is-zero", "-f", fmt, str(scratch),
                     "--target-image-opts", target.image_opts())
        finally:
            scratch.unlink(missing_ok=True)
        return {"provider_location": f"{self.vg.name}/{volume['name']}"}

    def create_volume_from_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> ModelUpdate:
        self._plain(volume)
        return self._from(snapshot_lv(snapshot), volume["name"], int(volume["size"]) * GB)

    def create_cloned_volume(self, volume: Volume, source: Volume) -> ModelUpdate:
        self._plain(volume)
        return self._from(source["name"], volume["name"], int(volume["size"]) * GB)

    def delete_volume(self, volume: Volume) -> None:
        self.exports.release(volume["name"], None)
        for lv in (volume["name"], f"{volume['name']}.new"):
            self.vg.remove(lv)

    def extend_volume(self, volume: Volume, new_size: int) -> None:
        lv, size = volume["name"], int(new_size) * GB
        current = self.vg.locate(lv)
        if current.size >= size:
            return
        # An export goes on serving the old size (its node's ``size``) while the LV grows.
        exported = self.exports.exported(lv)
        if self.vg.extend(lv, size):
            if self.mode != THIN:
                self.vg.locate(lv).zero(current.size)
        else:
            # No free extents right after it: the volume moves into a new LV. An attached one
            # moves under its guest's feet, its export mirrored onto the new place.
            new = self._fresh(f"{lv}.new", size)
            if exported:
                self.exports.move(lv, Extent(new.device, new.offset, current.size).blockdev())
            else:
                copy(current, new, target_is_zero=True)
            self._swap(lv)
        if exported:
            # NBD tells a client the size when it connects: the export is made again (its
            # clients wait, reconnecting) at the new size; compute then shows the guest.
            self.exports.withdraw(lv)
            self.exports.reinstate(lv, self.vg.locate(lv).blockdev())

    def revert_to_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> None:
        lv, source = volume["name"], snapshot_lv(snapshot)
        if not self.vg.exists(source):
            raise VolumeBackendError(reason=f"{source} is missing on the volume host.")
        if self.mode == THIN:
            self._from(source, f"{lv}.new", int(volume["size"]) * GB)
            self._swap(lv)
        else:
            copy(self.vg.locate(source), self.vg.locate(lv), target_is_zero=False)

    def copy_volume_to_image(self, volume: Volume, disk_format: str) -> Iterator[bytes]:
        """Converted to ``disk_format`` in a scratch file of the state dir, then streamed."""
        fmt = {"vhd": "vpc", "iso": "raw"}.get(disk_format, disk_format)
        where = self.vg.locate(volume["name"])
        fd, name = tempfile.mkstemp(prefix=f"upload-{volume['id']}-", dir=self.state_dir)
        os.close(fd)
        scratch = Path(name)
        try:
            qemu_img("convert", "-T", "none", "--image-opts", where.image_opts(), "-O", fmt,
                     str(scratch))
            with scratch.open("rb") as f:
                while chunk := f.read(1024 * 1024):
                    yield chunk
        finally:
            scratch.unlink(missing_ok=True)

    # -- raw data, for backups ------------------------------------------------------------
    def read_volume(self, volume: Volume, chunk_size: int) -> Iterator[bytes]:
        return self.vg.locate(volume["name"]).read(chunk_size)

    def read_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                      chunk_size: int) -> Iterator[bytes]:
        return self.vg.locate(snapshot_lv(snapshot)).read(chunk_size)

    def write_volume(self, volume: Volume, chunks: Iterable[bytes]) -> None:
        self.vg.locate(volume["name"]).write(chunks)

    # -- connections -------------------------------------------------------------------------
    def initialize_connection(self, volume: Volume, connector: dict[str, Any]) -> dict[str, Any]:
        where = self.vg.locate(volume["name"])
        return nbd_export.connection(self.exports, volume, connector, where.blockdev())

    def terminate_connection(self, volume: Volume, connector: dict[str, Any] | None) -> None:
        self.exports.release(volume["name"], nbd_export.connector_key(connector))

    # -- snapshots ---------------------------------------------------------------------------
    def create_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> ModelUpdate:
        # An attached volume is copied as it is now (crash-consistent, as an unquiesced
        # snapshot of an in-use volume is in Cinder).
        size = self.vg.locate(volume["name"]).size
        return self._from(volume["name"], snapshot_lv(snapshot), size)

    def delete_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> None:
        self.vg.remove(snapshot_lv(snapshot))

    def get_capacity(self) -> dict[str, Any]:
        """Real numbers: the pool's (thin: its size, what is unused, what its volumes may
        grow to), else the group's."""
        if self.thin_pool is not None:
            lvs = self.vg.volumes()
            pool = lvs[self.thin_pool]
            size = int(pool["lv_size"])
            used = size * float(pool.get("data_percent") or 0) / 100
            provisioned = sum(int(v["lv_size"]) for v in lvs.values()
                              if v.get("pool_lv") == self.thin_pool)
            return {"total_capacity_gb": round(size / GB, 2),
                    "free_capacity_gb": round((size - used) / GB, 2),
                    "provisioned_capacity_gb": round(provisioned / GB, 2)}
        info = self.vg.info()
        return {"total_capacity_gb": round(info["vg_size"] / GB, 2),
                "free_capacity_gb": round(info["vg_free"] / GB, 2),
                "provisioned_capacity_gb": round((info["vg_size"] - info["vg_free"]) / GB, 2)}


DRIVER = LvmDriver
