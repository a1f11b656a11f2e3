"""One LVM volume group, as the ``lvm`` volume driver uses it: its commands, its reports, and
where a logical volume's bytes are.

Two ways to reach an LV's data, chosen when the driver starts:

- through device-mapper, as every LVM user does: the LV is activated and its bytes are
  ``/dev/<vg>/<lv>`` (thin LVs in a thin pool, or linear ones);
- without it (a kernel built without device-mapper cannot activate an LV at all): every command
  runs with ``--driverloaded n``, which changes the metadata only, each LV is allocated as one
  contiguous run of extents (``--alloc contiguous``), and its bytes are that run of its
  physical volume: from the PV's first extent (``pe_start``) plus the run's first extent times
  the extent size, for the LV's size. LVM's metadata, not any lock, says which bytes are whose.

An ``Extent`` names those bytes either way (a device, an offset, a size), and everything that
reads or writes a volume (``qemu-img``, the NBD daemon, backups) goes through it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import struct
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nimbus.volume.drivers.base import all_zero
from nimbus.volume.errors import VolumeBackendError

# ioctl(BLKZEROOUT): the kernel zeroes a byte range of a block device (``_IO(0x12, 127)``).
BLKZEROOUT = 0x127F
_ZEROS = 4 * 1024 * 1024
_ENV = {**os.environ, "LVM_SUPPRESS_FD_WARNINGS": "1", "LC_ALL": "C"}


def _escape(value: str) -> str:
    """A value inside QEMU's ``key=value,...`` options (a comma is doubled)."""
    return value.replace(",", ",,")


@dataclass(frozen=True)
class Extent:
    """Where an LV's bytes are: ``size`` bytes of ``device`` from ``offset``."""

    device: str
    offset: int
    size: int

    def image_opts(self) -> str:
        """``qemu-img``'s ``--image-opts`` for these bytes. QEMU's image locks are taken on the
        whole device, which every LV of a physical volume shares: they are left off, and the
        LVM metadata keeps LVs apart."""
        return (f"driver=raw,offset={self.offset},size={self.size},file.driver=host_device,"
                f"file.filename={_escape(self.device)},file.locking=off")

    def blockdev(self) -> dict[str, Any]:
        """The ``blockdev-add`` node the NBD daemon serves these bytes from (direct I/O, so
        that what a client wrote is on the device for ``qemu-img`` and backups at once)."""
        return {"driver": "raw", "offset": self.offset, "size": self.size,
                "file": {"driver": "host_device", "filename": self.device,
                         "cache": {"direct": True}, "locking": "off"}}

    # -- bytes, for zeroing and backups --------------------------------------------------------
    def zero(self, start: int = 0, end: int | None = None) -> None:
        """Zero bytes ``start`` to ``end`` (the end) of the LV: a deleted volume's data must
        never show through a new one."""
        end = self.size if end is None else end
        if end <= start:
            return
        fd = os.open(self.device, os.O_WRONLY)
        try:
            try:
                fcntl.ioctl(fd, BLKZEROOUT, struct.pack("=QQ", self.offset + start, end - start))
            except OSError as exc:
                if exc.errno not in (errno.ENOTTY, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                # Not a block device that zeroes ranges: write the zeros.
                zeros = bytes(_ZEROS)
                for at in range(start, end, _ZEROS):
                    os.pwrite(fd, zeros[:min(_ZEROS, end - at)], self.offset + at)
                os.fsync(fd)
        except OSError as exc:
            raise VolumeBackendError(reason=f"Zeroing {self.device} failed: {exc}") from None
        finally:
            os.close(fd)

    def read(self, chunk_size: int) -> Iterator[bytes]:
        """The LV's bytes, ``chunk_size`` at a time."""
        fd = os.open(self.device, os.O_RDONLY)
        try:
            # Whatever the page cache holds of these bytes predates the NBD daemon's direct
            # writes: read them from the device.
            os.posix_fadvise(fd, self.offset, self.size, os.POSIX_FADV_DONTNEED)
            for at in range(0, self.size, chunk_size):
                want = min(chunk_size, self.size - at)
                data = os.pread(fd, want, self.offset + at)
                if len(data) != want:
                    raise VolumeBackendError(reason=f"{self.device} ended early.")
                yield data
        finally:
            os.close(fd)

    def write(self, chunks: Iterable[bytes]) -> None:
        """``chunks`` from the LV's first byte, zeros after them to its end."""
        fd = os.open(self.device, os.O_WRONLY)
        written = 0
        try:
            for chunk in chunks:
                if written + len(chunk) > self.size:
                    raise VolumeBackendError(reason="The data is larger than the volume.")
                if not all_zero(chunk):
                    os.pwrite(fd, chunk, self.offset + written)
                else:
                    os.fsync(fd)
                    self.zero(written, written + len(chunk))
                written += len(chunk)
            os.fsync(fd)
            os.posix_fadvise(fd, self.offset, self.size, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        self.zero(written)


def qemu_img(*args: str, timeout: float = 3600) -> str:
    done = subprocess.run(["qemu-img", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise VolumeBackendError(reason=f"qemu-img {args[0]} failed: "
                                        f"{done.stderr.strip()[-300:]}")
    return done.stdout


def copy(source: Extent, target: Extent, target_is_zero: bool) -> None:
    """``source``'s bytes onto ``target`` (as large or larger), with direct I/O on both sides
    (the NBD daemon writes directly: no stale page cache is read)."""
    if target.size < source.size:
        raise VolumeBackendError(reason="The target volume is smaller than its source.")
    args = ["convert", "-n", "-t", "none", "-T", "none", "--image-opts", "--target-image-opts"]
    if target_is_zero:
        args.append("--target-is-zero")
    # The target's part beyond the source keeps what it held: zeros, for a new volume.
    head = Extent(target.device, target.offset, source.size)
    qemu_img(*args, source.image_opts(), head.image_opts())
    if not target_is_zero:
        target.zero(source.size)


class VolumeGroup:
    """The driver's volume group; ``metadata_only`` when LVs cannot be activated."""

    def __init__(self, name: str, metadata_only: bool) -> None:
        self.name = name
        self.metadata_only = metadata_only

    def run(self, command: str, *args: str, timeout: float = 600) -> str:
        """An LVM command; ``VolumeBackendError`` with its message when it fails."""
        cmd = ["lvm", command]
        if self.metadata_only:
            cmd += ["--driverloaded", "n"]
        try:
            done = subprocess.run([*cmd, *args], capture_output=True, text=True, env=_ENV,
                                  timeout=timeout, check=False)
        except FileNotFoundError:
            raise VolumeBackendError(reason="lvm is not installed (Debian: lvm2).") from None
        if done.returncode != 0:
            lines = [line.strip() for line in done.stderr.splitlines()
                     if line.strip() and "WARNING" not in line]
            raise VolumeBackendError(reason=f"lvm {command} failed: "
                                            f"{(lines or ['no message'])[-1][-300:]}")
        return done.stdout

    def report(self, command: str, fields: str, *args: str) -> list[dict[str, str]]:
        """Rows of ``lvs``/``vgs``/``pvs``, sizes in bytes."""
        out = self.run(command, "--reportformat", "json", "--units", "b", "--nosuffix", "-o",
                       fields, *args)
        kind = command[:2]
        rows: list[dict[str, str]] = []
        for part in json.loads(out).get("report", []):
            rows += part.get(kind, [])
        return rows

    # -- the group -------------------------------------------------------------------------------
    def info(self) -> dict[str, int]:
        rows = self.report("vgs", "vg_name,vg_size,vg_free,vg_extent_size", self.name)
        if not rows:
            raise VolumeBackendError(reason=f"Volume group {self.name} does not exist.")
        return {k: int(rows[0][k]) for k in ("vg_size", "vg_free", "vg_extent_size")}

    def volumes(self) -> dict[str, dict[str, str]]:
        """Every LV of the group, by name, with its size, attributes, pool and origin."""
        rows = self.report("lvs", "lv_name,lv_size,lv_attr,pool_lv,origin,data_percent,"
                                  "seg_count", "-a", self.name)
        return {r["lv_name"]: r for r in rows}

    def exists(self, lv: str) -> bool:
        return lv in self.volumes()

    # -- changes ---------------------------------------------------------------------------------
    def create(self, lv: str, size: int, thin_pool: str | None = None) -> None:
        """A new LV of ``size`` bytes: thin in ``thin_pool``, or linear (one contiguous run of
        extents without device-mapper). Its data is what the disk held: the caller zeroes a
        linear one."""
        if thin_pool is not None:
            self.run("lvcreate", "--yes", "-Wn", "--type", "thin", "-V", f"{size}b",
                     "--thinpool", thin_pool, "-n", lv, self.name)
        elif self.metadata_only:
            self.run("lvcreate", "--yes", "-Wn", "-Zn", "-an", "--alloc", "contiguous",
                     "-L", f"{size}b", "-n", lv, self.name)
        else:
            self.run("lvcreate", "--yes", "-Wn", "-Zn", "-L", f"{size}b", "-n", lv, self.name)

    def thin_snapshot(self, source: str, lv: str) -> None:
        """A thin snapshot of ``source``, active at once (no activation skip): an LV of its
        own, which outlives its origin."""
        self.run("lvcreate", "--yes", "-s", "-kn", "-n", lv, f"{self.name}/{source}")

    def extend(self, lv: str, size: int) -> bool:
        """Grow ``lv`` to ``size`` bytes; False when its extents cannot stay one contiguous
        run (without device-mapper only)."""
        args = ["--alloc", "contiguous"] if self.metadata_only else []
        try:
            self.run("lvextend", *args, "-L", f"{size}b", f"{self.name}/{lv}")
        except VolumeBackendError as exc:
            if self.metadata_only and "contiguous" in exc.message:
                return False
            raise
        return True

    def remove(self, lv: str) -> None:
        """Remove ``lv``; one that is not there is no error."""
        if self.exists(lv):
            self.run("lvremove", "-f", f"{self.name}/{lv}")

    def rename(self, old: str, new: str) -> None:
        self.run("lvrename", self.name, old, new)

    # -- where the bytes are -----------------------------------------------------------------
    def locate(self, lv: str) -> Extent:
        if not self.metadata_only:
            rows = self.report("lvs", "lv_name,lv_size,lv_active", f"{self.name}/{lv}")
            if not rows:
                raise VolumeBackendError(reason=f"{self.name}/{lv} does not exist.")
            if rows[0].get("lv_active") != "active":
                # ``-K``: thin snapshots skip activation unless told.
                self.run("lvchange", "-ay", "-K", f"{self.name}/{lv}")
            return Extent(f"/dev/{self.name}/{lv}", 0, int(rows[0]["lv_size"]))
        rows = self.report("lvs", "lv_name,lv_size,seg_pe_ranges", f"{self.name}/{lv}")
        if not rows:
            raise VolumeBackendError(reason=f"{self.name}/{lv} does not exist.")
        ranges = rows[0]["seg_pe_ranges"].split()
        if len(rows) != 1 or len(ranges) != 1:
            raise VolumeBackendError(reason=f"{self.name}/{lv} is not one contiguous run of "
                                            "extents; without device-mapper it cannot be read.")
        pv, _, span = ranges[0].rpartition(":")
        first = int(span.split("-")[0])
        starts = {r["pv_name"]: int(r["pe_start"]) for r in self.report(
            "pvs", "pv_name,pe_start", "-S", f"vg_name={self.name}")}
        if pv not in starts:
            raise VolumeBackendError(reason=f"The physical volume {pv} of {self.name}/{lv} "
                                            "is missing.")
        return Extent(pv, starts[pv] + first * self.info()["vg_extent_size"],
                      int(rows[0]["lv_size"]))
