"""A throwaway LVM volume group on a loop device, for the lvm volume driver's tests.

A sparse file, a loop device on it (``losetup -f --show``), a physical volume and a volume
group of a unique name. Loop devices and volume groups are the whole machine's: everything is
taken down when the block ends, each step on its own so that one failing does not leave the
others behind, and a group half made is taken down too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_ENV = {**os.environ, "LVM_SUPPRESS_FD_WARNINGS": "1"}
# Without device-mapper the metadata is all LVM can change.
_METADATA_ONLY = ["--driverloaded", "n"]


def device_mapper_works() -> bool:
    return shutil.which("dmsetup") is not None and subprocess.run(
        ["dmsetup", "targets"], capture_output=True, check=False).returncode == 0


def missing() -> str | None:
    """Why a loop-device volume group cannot be made here (None: it can)."""
    if os.geteuid() != 0:
        return "needs root (loop devices and LVM)"
    for tool in ("losetup", "lvm", "qemu-img", "qemu-io", "qemu-storage-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not Path("/dev/loop-control").exists():
        return "this kernel has no loop devices"
    return None


@dataclass
class LoopGroup:
    name: str
    device: str
    backing: Path


def _lvm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    flags = [] if device_mapper_works() else _METADATA_ONLY
    done = subprocess.run(["lvm", args[0], *flags, *args[1:]], capture_output=True, text=True,
                          env=_ENV, timeout=120, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"lvm {' '.join(args)} failed: {done.stderr.strip()}")
    return done


@contextlib.contextmanager
def loop_volume_group(directory: Path, size_mb: int = 8192) -> Iterator[LoopGroup]:
    """A volume group of ``size_mb`` (a sparse file: only what is written takes space)."""
    backing = directory / f"pv-{uuid.uuid4().hex[:8]}.img"
    name = f"nimbus-test-{uuid.uuid4().hex[:10]}"
    device = ""
    try:
        with backing.open("wb") as f:
            f.truncate(size_mb * 1024 * 1024)
        device = subprocess.run(["losetup", "-f", "--show", str(backing)], capture_output=True,
                                text=True, check=True, timeout=60).stdout.strip()
        _lvm("pvcreate", "--yes", device)
        _lvm("vgcreate", name, device)
        yield LoopGroup(name, device, backing)
    finally:
        # Every step, whatever the one before did.
        if device:
            _lvm("vgremove", "-f", name, check=False)
            _lvm("pvremove", "-ff", "--yes", device, check=False)
            subprocess.run(["losetup", "-d", device], capture_output=True, check=False,
                           timeout=60)
        backing.unlink(missing_ok=True)
