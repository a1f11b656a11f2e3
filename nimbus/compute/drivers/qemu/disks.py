"""A guest's local disks: qcow2 overlays on a per-host cache of base images.

An image is fetched once per host into ``_base/<image id>``, checked against the image
service's checksum while it is written (a mismatch is never kept), and its format is read
from its content with ``qemu-img info`` before any guest uses it: content that is not what
the image says it is, or a qcow2 that names a backing file, never reaches QEMU. The root disk
is a qcow2 overlay on the base at the flavor's size; ephemeral and swap disks are new qcow2
files of the flavor's sizes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from nimbus.compute.drivers.base import DriverError

GB = 1024 ** 3
_FETCH_LOCKS: dict[str, threading.Lock] = {}
_FETCH_GUARD = threading.Lock()
# The formats QEMU may open a base image as, by what the image service calls them.
FORMATS = {"qcow2": "qcow2", "raw": "raw", "vmdk": "vmdk", "vdi": "vdi", "vhd": "vpc",
           "vhdx": "vhdx", "iso": "raw"}


def qemu_img(*args: str | Path, timeout: float = 600) -> str:
    try:
        done = subprocess.run(["qemu-img", *[str(a) for a in args]], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise DriverError(reason="qemu-img is not installed (Debian: qemu-utils).") from None
    if done.returncode != 0:
        raise DriverError(reason=f"qemu-img {args[0]} failed: {done.stderr.strip()[-400:]}")
    return done.stdout


def info(path: Path, fmt: str | None = None) -> dict[str, Any]:
    args: list[str | Path] = ["info", "--output=json"]
    if fmt:
        args += ["-f", fmt]
    return dict(json.loads(qemu_img(*args, path)))


class ImageCache:
    """The base images of one host, by image id."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, image_id: str) -> Path:
        return self.root / image_id

    def fetch(self, image: dict[str, Any],
              download: Callable[[str], Iterable[bytes]]) -> tuple[Path, str]:
        """The cached base of ``image`` and the format QEMU opens it as, fetched first if
        needed. Raises DriverError when its content is not what it claims to be."""
        image_id = str(image["id"])
        with _FETCH_GUARD:
            lock = _FETCH_LOCKS.setdefault(image_id, threading.Lock())
        with lock:
            target = self.path(image_id)
            if not target.exists():
                self._download(image, target, download)
            return target, self._verify(image, target)

    def _download(self, image: dict[str, Any], target: Path,
                  download: Callable[[str], Iterable[bytes]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.part")
        wanted = image.get("os_hash_value")
        algo = str(image.get("os_hash_algo") or "sha512") if wanted else "md5"
        wanted = wanted or image.get("checksum")
        digest = hashlib.new(algo)
        try:
            with partial.open("wb") as f:
                for chunk in download(str(image["id"])):
                    digest.update(chunk)
                    f.write(chunk)
        except DriverError:
            partial.unlink(missing_ok=True)
            raise
        except Exception as exc:
            partial.unlink(missing_ok=True)
            raise DriverError(reason=f"Image {image['id']} could not be fetched: {exc}") \
                from None
        if wanted and digest.hexdigest() != wanted:
            partial.unlink(missing_ok=True)
            raise DriverError(reason=f"Image {image['id']} does not match its checksum; it "
                                     "was not used.")
        partial.replace(target)

    def _verify(self, image: dict[str, Any], target: Path) -> str:
        claimed = str(image.get("disk_format") or "raw")
        if claimed not in FORMATS:
            raise DriverError(reason=f"Image {image['id']} has disk_format {claimed}, which "
                                     "this host cannot boot.")
        found = info(target)
        real = str(found.get("format"))
        expected = FORMATS[claimed]
        if real != expected and not (expected == "raw" and claimed == "iso"):
            raise DriverError(reason=f"Image {image['id']} says it is {claimed} but its "
                                     f"content is {real}; it was not booted.")
        if found.get("backing-filename") or found.get("full-backing-filename"):
            raise DriverError(reason=f"Image {image['id']} names a backing file; it was not "
                                     "booted.")
        if (found.get("format-specific") or {}).get("data", {}).get("data-file"):
            raise DriverError(reason=f"Image {image['id']} names an external data file; it "
                                     "was not booted.")
        return expected

    def virtual_size(self, path: Path, fmt: str) -> int:
        return int(info(path, fmt)["virtual-size"])


def overlay(base: Path, base_format: str, target: Path, size_gb: int) -> None:
    """A qcow2 over ``base``, at ``size_gb`` (the image's own size when that is 0)."""
    args: list[str | Path] = ["create", "-q", "-f", "qcow2", "-F", base_format, "-b", base,
                              target]
    if size_gb:
        args.append(f"{size_gb}G")
    qemu_img(*args)


def blank(target: Path, size_mb: int) -> None:
    qemu_img("create", "-q", "-f", "qcow2", target, f"{size_mb}M")


def grow(path: Path, size_gb: int) -> None:
    """Make the qcow2 at ``path`` ``size_gb`` large, when it is smaller."""
    if size_gb and int(info(path, "qcow2")["virtual-size"]) < size_gb * GB:
        qemu_img("resize", "-q", "-f", "qcow2", path, f"{size_gb}G")


def copy_out(path: Path, target: Path) -> None:
    """A standalone qcow2 copy of ``path`` (its backing chain merged), read while a guest may
    hold it open (``-U``: the caller pauses the guest, so the copy is consistent)."""
    qemu_img("convert", "-U", "-c", "-f", "qcow2", "-O", "qcow2", path, target)


def remove_tree(directory: Path) -> None:
    if not directory.exists():
        return
    for item in sorted(directory.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if item.is_dir() and not item.is_symlink():
            item.rmdir()
        else:
            item.unlink(missing_ok=True)
    directory.rmdir()


def chunks_of(path: Path, size: int = 1024 * 1024, remove: bool = True) -> Iterable[bytes]:
    """The file's bytes in chunks; the file is removed once they are all read (or dropped)."""
    try:
        with path.open("rb") as f:
            while chunk := f.read(size):
                yield chunk
    finally:
        if remove:
            os.unlink(path)
