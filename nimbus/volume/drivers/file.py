"""Volumes as qcow2 files on the volume host (``<state_dir>/volumes`` or the backend's
``path``), made and changed with ``qemu-img``.

A volume is ``volume-<id>.qcow2``, created sparse; a snapshot is a full, standalone copy
(``snapshot-<id>.qcow2``), so that volumes made from it and the volume it came from never
share a backing chain that a delete could break. A compute host on this machine (its
connector's ``machine_id`` is this machine's, or it names none) opens the file itself
(``driver_volume_type`` ``file``); one of another machine gets the volume over NBD from the
backend's ``qemu-storage-daemon`` (``nbd_export.py``), which opens the qcow2 (and its LUKS) and
serves the guest's raw view.

A backup reads a volume's (or a snapshot's) guest data through a sparse raw scratch copy, whose
holes it skips; a restore writes a sparse raw file and converts it into the volume's new qcow2.

An encrypted volume is a qcow2 with LUKS inside (``luks.py``). Its copies (snapshots, clones,
volumes from snapshots) are its bytes as they are, opened with a copy of its key; only making
one from nothing or from an image, and growing one, need the key here.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nimbus.core.hostid import machine_id
from nimbus.volume.drivers import luks, nbd_export
from nimbus.volume.drivers.base import (
    ExtendByHost,
    ModelUpdate,
    Volume,
    VolumeDriver,
    all_zero,
)
from nimbus.volume.drivers.file_manage import FileManageMixin
from nimbus.volume.errors import VolumeBackendError

LOG = logging.getLogger(__name__)
GB = 1024 ** 3


class FileDriver(FileManageMixin, VolumeDriver):
    backend_name = "file"
    storage_protocol = "file"
    thin_provisioning = True
    supports_snapshots = True
    # An attached volume's file is open and locked by the guest's QEMU, which grows it
    # (QMP ``block_resize``) when compute is told (``ExtendByHost``).
    supports_extend_attached = True
    copies_images = True
    # A create run again after a crash makes the same file again.
    resumable = True

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.root = Path(str(config.get("path") or config["state_dir"]))
        self._lock = threading.Lock()
        # Volumes served to compute hosts of other machines.
        self.exports = nbd_export.NbdExports.for_backend(config, self.passphrase)

    def start(self) -> None:
        if shutil.which("qemu-img") is None:
            raise VolumeBackendError(reason="qemu-img is not installed (Debian: qemu-utils); "
                                            "the file volume driver needs it.")
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self.exports.restore()
        except VolumeBackendError as exc:
            # Local attaches work without the daemon; the remote ones are said to be down.
            LOG.warning("file volumes exported over NBD are not served again: %s", exc.message)

    # -- files -----------------------------------------------------------------------------
    def _path(self, volume: Volume) -> Path:
        return self.root / f"volume-{volume['id']}.qcow2"

    def _snapshot_path(self, snapshot: dict[str, Any]) -> Path:
        return self.root / f"snapshot-{snapshot['id']}.qcow2"

    def _qemu_img(self, *args: str | Path) -> str:
        done = subprocess.run(["qemu-img", *[str(a) for a in args]], capture_output=True,
                              text=True, timeout=3600, check=False)
        if done.returncode != 0:
            raise VolumeBackendError(reason=f"qemu-img {args[0]} failed: "
                                            f"{done.stderr.strip()[-300:]}")
        return done.stdout

    def _size(self, path: Path) -> int:
        return int(json.loads(self._qemu_img("info", "--output=json", "-U", "-f", "qcow2",
                                             path))["virtual-size"])

    def _copy(self, source: Path, target: Path, size_gb: int,
              encryption: dict[str, Any] | None = None) -> ModelUpdate:
        if not source.exists():
            raise VolumeBackendError(reason=f"{source.name} is missing on the volume host.")
        partial = target.with_suffix(".part")
        if encryption:
            # Encrypted clusters cannot be rewritten without the key, and need not be: the
            # copy is the same bytes, and its key a copy of the source's.
            done = subprocess.run(["cp", "--sparse=always", str(source), str(partial)],
                                  capture_output=True, text=True, timeout=3600, check=False)
            if done.returncode != 0:
                raise VolumeBackendError(reason=f"copying {source.name} failed: "
                                                f"{done.stderr.strip()[-300:]}")
        else:
            self._qemu_img("convert", "-U", "-f", "qcow2", "-O", "qcow2", source, partial)
        if self._size(partial) < size_gb * GB:
            self._resize(partial, size_gb, encryption)
        partial.replace(target)
        return {"provider_location": str(target)}

    def _resize(self, path: Path, size_gb: int, encryption: dict[str, Any] | None) -> None:
        if encryption:
            luks.run(["resize", "-q", "--image-opts", luks.image_opts(path), f"{size_gb}G"],
                     self.passphrase(str(encryption["encryption_key_id"])))
        else:
            self._qemu_img("resize", "-q", "-f", "qcow2", path, f"{size_gb}G")

    # -- volumes ---------------------------------------------------------------------------
    def create_volume(self, volume: Volume) -> ModelUpdate:
        path = self._path(volume)
        partial = path.with_suffix(".part")
        encryption = volume.get("encryption")
        if encryption:
            luks.create(partial, f"{int(volume['size'])}G",
                        self.passphrase(str(encryption["encryption_key_id"])), encryption)
        else:
            self._qemu_img("create", "-q", "-f", "qcow2", partial, f"{int(volume['size'])}G")
        partial.replace(path)
        return {"provider_location": str(path)}

    def copy_image_to_volume(self, volume: Volume, image: dict[str, Any],
                             chunks: Iterable[bytes]) -> ModelUpdate:
        """The image's data, streamed to a scratch file, then converted into the volume's
        qcow2 (which ``qemu-img`` refuses to do from content that is not the image's
        ``disk_format``)."""
        path = self._path(volume)
        scratch = path.with_suffix(".image")
        try:
            with scratch.open("wb") as f:
                for chunk in chunks:
                    f.write(chunk)
            fmt = {"vhd": "vpc", "iso": "raw"}.get(str(image.get("disk_format")),
                                                    str(image.get("disk_format") or "raw"))
            info = json.loads(self._qemu_img("info", "--output=json", "-f", fmt, scratch))
            if info.get("backing-filename"):
                raise VolumeBackendError(reason=f"Image {image.get('id')} names a backing "
                                                "file; it was not copied.")
            if int(info.get("virtual-size") or 0) > int(volume["size"]) * GB:
                raise VolumeBackendError(reason=f"Image {image.get('id')} is larger than the "
                                                f"{volume['size']} GB volume.")
            partial = path.with_suffix(".part")
            encryption = volume.get("encryption")
            if encryption:
                # The image's data goes into the encrypted volume as the guest will read it.
                passphrase = self.passphrase(str(encryption["encryption_key_id"]))
                luks.create(partial, f"{int(volume['size'])}G", passphrase, encryption)
                luks.run(["convert", "-n", "-f", fmt, str(scratch), "--target-image-opts",
                          luks.image_opts(partial)], passphrase)
            else:
                self._qemu_img("convert", "-f", fmt, "-O", "qcow2", scratch, partial)
                self._qemu_img("resize", "-q", "-f", "qcow2", partial,
                               f"{int(volume['size'])}G")
            partial.replace(path)
        finally:
            scratch.unlink(missing_ok=True)
        return {"provider_location": str(path)}

    def create_volume_from_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> ModelUpdate:
        return self._copy(self._snapshot_path(snapshot), self._path(volume), int(volume["size"]),
                          volume.get("encryption"))

    def create_cloned_volume(self, volume: Volume, source: Volume) -> ModelUpdate:
        return self._copy(self._path(source), self._path(volume), int(volume["size"]),
                          volume.get("encryption"))

    def delete_volume(self, volume: Volume) -> None:
        self.exports.release(volume["name"], None)
        self._path(volume).unlink(missing_ok=True)
        self._path(volume).with_suffix(".part").unlink(missing_ok=True)

    def extend_volume(self, volume: Volume, new_size: int) -> None:
        path = self._path(volume)
        if self.exports.withdraw(volume["name"]):
            # Served over NBD: the daemon lets go of the file while it grows here, then serves
            # it at its new size; compute then shows the guest the new size.
            try:
                if self._size(path) < new_size * GB:
                    self._resize(path, new_size, volume.get("encryption"))
            finally:
                self.exports.reinstate(volume["name"])
            return
        if volume.get("attach_status") == "attached":
            raise ExtendByHost()
        if self._size(path) < new_size * GB:
            self._resize(path, new_size, volume.get("encryption"))

    def revert_to_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> None:
        """The snapshot's full copy becomes the volume's file again, in one rename."""
        self._copy(self._snapshot_path(snapshot), self._path(volume), int(volume["size"]),
                   volume.get("encryption"))

    def copy_volume_to_image(self, volume: Volume, disk_format: str) -> Iterator[bytes]:
        """Converted to ``disk_format`` in a scratch file next to the volumes, then streamed;
        ``-U`` lets an attached volume be read as it is now, as Cinder's forced upload does."""
        fmt = {"vhd": "vpc", "iso": "raw"}.get(disk_format, disk_format)
        path = self._path(volume)
        if volume.get("encryption"):
            raise VolumeBackendError(reason=f"Volume {volume['id']} is encrypted; it is not "
                                            "uploaded to an image.")
        if not path.exists():
            raise VolumeBackendError(reason=f"Volume {volume['id']} has no file on this host.")
        fd, name = tempfile.mkstemp(prefix=f"upload-{volume['id']}-", dir=self.root)
        os.close(fd)
        scratch = Path(name)
        try:
            self._qemu_img("convert", "-U", "-f", "qcow2", "-O", fmt, path, scratch)
            with scratch.open("rb") as f:
                while chunk := f.read(1024 * 1024):
                    yield chunk
        finally:
            scratch.unlink(missing_ok=True)

    # -- raw data, for backups ------------------------------------------------------------
    def _scratch(self, kind: str, volume: Volume) -> Path:
        fd, name = tempfile.mkstemp(prefix=f"{kind}-{volume['id']}-", dir=self.root)
        os.close(fd)
        return Path(name)

    def _read_raw(self, path: Path, volume: Volume, chunk_size: int) -> Iterator[bytes]:
        """The qcow2's guest data, converted to a sparse raw scratch file and streamed; holes
        come out as zeros without being read."""
        if volume.get("encryption"):
            raise VolumeBackendError(reason=f"Volume {volume['id']} is encrypted; its data is "
                                            "not read for a backup.")
        if not path.exists():
            raise VolumeBackendError(reason=f"{path.name} is missing on the volume host.")
        scratch = self._scratch("backup", volume)
        try:
            # ``-U``: an attached volume is read as it is now (its snapshot, when forced).
            self._qemu_img("convert", "-U", "-f", "qcow2", "-O", "raw", path, scratch)
            with scratch.open("rb") as f:
                total = os.fstat(f.fileno()).st_size
                for offset in range(0, total, chunk_size):
                    length = min(chunk_size, total - offset)
                    if _hole(f.fileno(), offset, length):
                        yield bytes(length)
                        continue
                    f.seek(offset)
                    yield f.read(length)
        finally:
            scratch.unlink(missing_ok=True)

    def read_volume(self, volume: Volume, chunk_size: int) -> Iterator[bytes]:
        return self._read_raw(self._path(volume), volume, chunk_size)

    def read_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                      chunk_size: int) -> Iterator[bytes]:
        return self._read_raw(self._snapshot_path(snapshot), volume, chunk_size)

    def write_volume(self, volume: Volume, chunks: Iterable[bytes]) -> None:
        """The data goes to a sparse raw scratch file, converted into a new qcow2 that replaces
        the volume's file in one rename (a restore cut short leaves the volume as it was)."""
        if volume.get("encryption"):
            raise VolumeBackendError(reason=f"Volume {volume['id']} is encrypted; a backup is "
                                            "not restored into it.")
        size = int(volume["size"]) * GB
        path = self._path(volume)
        scratch = self._scratch("restore", volume)
        partial = path.with_suffix(".part")
        try:
            with scratch.open("r+b") as f:
                written = 0
                for chunk in chunks:
                    if written + len(chunk) > size:
                        raise VolumeBackendError(reason=f"The data is larger than volume "
                                                        f"{volume['id']}.")
                    if all_zero(chunk):
                        f.seek(len(chunk), os.SEEK_CUR)
                    else:
                        f.write(chunk)
                    written += len(chunk)
                f.truncate(size)
            self._qemu_img("convert", "-f", "raw", "-O", "qcow2", scratch, partial)
            partial.replace(path)
        finally:
            scratch.unlink(missing_ok=True)
            partial.unlink(missing_ok=True)

    def initialize_connection(self, volume: Volume, connector: dict[str, Any]) -> dict[str, Any]:
        path = self._path(volume)
        if not path.exists():
            raise VolumeBackendError(reason=f"Volume {volume['id']} has no file on this host.")
        if not _same_machine(connector):
            encryption = volume.get("encryption")
            node: dict[str, Any] = {"driver": "qcow2",
                                    "file": {"driver": "file", "filename": str(path)}}
            if encryption:
                node["encrypt"] = {"format": "luks"}
            return nbd_export.connection(
                self.exports, volume, connector, node,
                key_id=str(encryption["encryption_key_id"]) if encryption else None)
        return {"driver_volume_type": "file",
                "data": {"volume_id": volume["id"], "name": volume["name"], "path": str(path),
                         "format": "qcow2", "size": volume["size"],
                         "access_mode": "ro" if volume.get("readonly") else "rw",
                         "encrypted": bool(volume.get("encryption")), "discard": True}}

    def terminate_connection(self, volume: Volume, connector: dict[str, Any] | None) -> None:
        """A compute host of this machine opened the file itself and closed it on detach; one
        of another machine is no longer served the volume over NBD."""
        if connector is None or not _same_machine(connector):
            self.exports.release(volume["name"], nbd_export.connector_key(connector))

    # -- snapshots -------------------------------------------------------------------------
    def create_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> ModelUpdate:
        # ``-U``: an attached volume is copied as it is now (crash-consistent, as an
        # unquiesced snapshot of an in-use volume is in Cinder).
        self._copy(self._path(volume), self._snapshot_path(snapshot), 0,
                   volume.get("encryption"))
        return {"provider_location": str(self._snapshot_path(snapshot))}

    def delete_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> None:
        self._snapshot_path(snapshot).unlink(missing_ok=True)

    def get_capacity(self) -> dict[str, Any]:
        usage = shutil.disk_usage(self.root if self.root.exists() else self.root.parent)
        used = sum(p.stat().st_size for p in self.root.glob("*.qcow2")) if self.root.exists() \
            else 0
        return {"total_capacity_gb": round(usage.total / GB, 2),
                "free_capacity_gb": round(usage.free / GB, 2),
                "provisioned_capacity_gb": round(used / GB, 2)}


def _same_machine(connector: dict[str, Any]) -> bool:
    """Whether the compute host runs on this machine, so that it can open the file itself: its
    connector names this machine's id. One that names no machine is taken to be here, as every
    consumer was before connectors said where they run (it gets a path, which fails visibly
    elsewhere)."""
    theirs = connector.get("machine_id")
    return not theirs or theirs == machine_id()


def _hole(fd: int, offset: int, length: int) -> bool:
    """Whether the file holds no data from ``offset`` for ``length`` bytes (a hole, or its
    end): the next data, if any, starts beyond them."""
    try:
        return os.lseek(fd, offset, os.SEEK_DATA) >= offset + length
    except OSError as exc:
        # ENXIO: no data after ``offset``; a file system without SEEK_DATA: read it.
        return exc.errno == errno.ENXIO


DRIVER = FileDriver
