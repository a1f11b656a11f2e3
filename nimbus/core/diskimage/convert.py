"""Image conversion on import (Glance's ``image_conversion`` plugin), with ``qemu-img``.

When ``image_import_convert_to`` names a format (``raw`` by default; empty turns it off) and
``qemu-img`` is installed, an import converts the staged bytes to that format before they reach a
store, and the image's ``disk_format`` follows. The staged bytes are inspected first, and anything
unsafe or not what its ``disk_format`` claims is refused before ``qemu-img`` ever opens it; the
source format is always given to ``qemu-img`` explicitly, never probed. ISO images are left
alone: they must stay ISOs to boot or rescue from a CD.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from nimbus.core.diskimage import inspect
from nimbus.core.errors import BadRequest

# What qemu-img reads, by disk_format name; anything else is stored as it came.
CONVERTIBLE = {"raw": "raw", "qcow2": "qcow2", "vmdk": "vmdk", "vhd": "vpc", "vhdx": "vhdx",
               "vdi": "vdi", "qed": "qed"}
OUTPUT = {"raw": "raw", "qcow2": "qcow2"}
TIMEOUT = 3600.0


def qemu_img() -> str | None:
    return shutil.which("qemu-img")


def target_format(settings: Any) -> str | None:
    """The format imports convert to, or None when conversion is off or impossible here."""
    wanted = str(settings.image.import_convert_to or "").strip().lower()
    if wanted not in OUTPUT or qemu_img() is None:
        return None
    return wanted


def needed(disk_format: str | None, target: str | None) -> bool:
    return bool(target) and disk_format in CONVERTIBLE and disk_format != target


def check(path: Path, disk_format: str, chunk: int = 1024 * 1024) -> inspect.Inspection:
    """Inspect the staged file as an upload would be; 400 if unsafe or mislabelled."""
    inspector = inspect.StreamInspector(disk_format, strict=True)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            inspector.feed(block)
    return inspector.finish()


def convert(path: Path, disk_format: str, target: str) -> Path:
    """Convert ``path`` (checked first) into a sibling file; the new file's path."""
    check(path, disk_format)
    binary = qemu_img()
    if binary is None:
        raise BadRequest("Image conversion is not available on this host.")
    out = path.with_name(f".{path.name}.{target}.converting")
    cmd = [binary, "convert", "-q", "-f", CONVERTIBLE[disk_format], "-O", OUTPUT[target],
           str(path), str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        out.unlink(missing_ok=True)
        raise BadRequest(f"Converting the image to {target} took too long.") from None
    if proc.returncode != 0:
        out.unlink(missing_ok=True)
        reason = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["qemu-img failed"]
        raise BadRequest(f"Image conversion from {disk_format} to {target} failed: {reason[0]}")
    return out
