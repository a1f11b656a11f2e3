"""The config drive: an ISO 9660 image labelled ``config-2`` holding the metadata files.

Written with pycdlib, so no ``genisoimage`` is needed on the host. Rock Ridge and Joliet keep
the long, mixed-case names (``meta_data.json``) that plain ISO 9660 would truncate.
"""

from __future__ import annotations

import io
from pathlib import Path

import pycdlib

LABEL = "config-2"


def _iso_name(part: str, index: int, is_file: bool) -> str:
    """A plain ISO 9660 name for one path part (the real name is in Rock Ridge and Joliet)."""
    base = "".join(c for c in part.upper() if c.isalnum())[:6] or "F"
    return f"{base}{index:02d}" + (".;1" if is_file else "")


def write(files: dict[str, bytes], target: Path) -> None:
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, rock_ridge="1.09", joliet=3, vol_ident=LABEL)
    made: dict[str, str] = {"": ""}
    counter = 0
    for path in sorted(files):
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            real = "/".join(parts[:depth])
            if real in made:
                continue
            counter += 1
            iso_path = f"{made['/'.join(parts[:depth - 1])]}/{_iso_name(parts[depth - 1], counter, False)}"
            iso.add_directory(iso_path, rr_name=parts[depth - 1], joliet_path="/" + real)
            made[real] = iso_path
        counter += 1
        data = files[path]
        iso.add_fp(io.BytesIO(data), len(data),
                   f"{made['/'.join(parts[:-1])]}/{_iso_name(parts[-1], counter, True)}",
                   rr_name=parts[-1], joliet_path="/" + path.strip("/"))
    iso.write(str(target))
    iso.close()
