"""Managing qcow2 files the file backend finds in its directory (``FileDriver`` mixes this in).

A manageable volume is any ``<name>.qcow2`` there but the snapshots' (``snapshot-<id>.qcow2``);
the ones the cloud's volumes name are listed as already managed. Managing one renames it to the
new volume's file, grown to a whole number of GiB (sizes are whole GiB in the API); unmanaging
leaves the file where it is, under its name, for a later manage. Snapshots likewise, as
``snapshot-<id>.qcow2``. A file holding LUKS is refused: its key is not the cloud's.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from nimbus.volume.drivers.base import ModelUpdate, Volume
from nimbus.volume.errors import ManageExistingInvalidReference

GB = 1024 ** 3
# A name a ref may give: one file in the backend's directory, never a path.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,250}$")


class FileManageMixin:
    """Manage and unmanage for ``FileDriver``, whose methods below are its own."""

    root: Path

    def _qemu_img(self, *args: str | Path) -> str:
        raise NotImplementedError

    def _path(self, volume: Volume) -> Path:
        raise NotImplementedError

    def _snapshot_path(self, snapshot: dict[str, Any]) -> Path:
        raise NotImplementedError

    def _resize(self, path: Path, size_gb: int, encryption: dict[str, Any] | None) -> None:
        raise NotImplementedError

    # -- what is there ---------------------------------------------------------------------
    def _info(self, path: Path) -> dict[str, Any]:
        info: dict[str, Any] = json.loads(self._qemu_img("info", "--output=json", "-U", "-f",
                                                         "qcow2", path))
        return info

    def _gib(self, path: Path) -> int:
        return max(1, math.ceil(int(self._info(path)["virtual-size"]) / GB))

    def _listing(self, snapshots: bool, known: dict[str, str]) -> list[dict[str, Any]]:
        found = []
        for path in sorted(self.root.glob("*.qcow2")) if self.root.is_dir() else []:
            if path.name.startswith("snapshot-") != snapshots or not path.is_file():
                continue
            cinder_id = known.get(path.stem)
            try:
                size, why = self._gib(path), None
            except Exception as exc:  # a file qemu-img cannot read is listed, not managed
                size, why = 0, f"unreadable: {str(exc)[-120:]}"
            entry = {"reference": {"source-name": path.stem}, "size": size,
                     "safe_to_manage": cinder_id is None and why is None,
                     "reason_not_safe": "already managed" if cinder_id else why,
                     "cinder_id": cinder_id, "extra_info": None}
            if snapshots:
                entry["source_reference"] = None
            found.append(entry)
        return found

    def _named(self, ref: dict[str, Any], snapshots: bool) -> Path:
        """The file ``ref`` names: ``{"source-name": "<name>"}`` (with or without ``.qcow2``)."""
        name = str(ref.get("source-name") or "")
        name = name[:-len(".qcow2")] if name.endswith(".qcow2") else name
        if not _NAME.match(name) or name.startswith("snapshot-") != snapshots:
            raise ManageExistingInvalidReference(existing_ref=ref,
                                                 reason="source-name must name a file of this "
                                                        "backend")
        path = self.root / f"{name}.qcow2"
        if not path.is_file():
            raise ManageExistingInvalidReference(existing_ref=ref,
                                                 reason=f"{path.name} does not exist")
        encrypt = ((self._info(path).get("format-specific") or {}).get("data") or {})
        if encrypt.get("encrypt"):
            raise ManageExistingInvalidReference(existing_ref=ref,
                                                 reason="the file is encrypted with a key the "
                                                        "cloud does not hold")
        return path

    def _adopt(self, source: Path, target: Path) -> ModelUpdate:
        """Rename ``source`` to ``target``, grown to whole GiB first."""
        size = self._gib(source)
        if int(self._info(source)["virtual-size"]) < size * GB:
            self._resize(source, size, None)
        if source != target:
            source.replace(target)
        return {"provider_location": str(target)}

    # -- volumes ---------------------------------------------------------------------------
    def list_manageable_volumes(self, known: dict[str, str]) -> list[dict[str, Any]]:
        return self._listing(False, known)

    def manage_existing_get_size(self, volume: Volume, ref: dict[str, Any]) -> int:
        return self._gib(self._named(ref, False))

    def manage_existing(self, volume: Volume, ref: dict[str, Any]) -> ModelUpdate:
        return self._adopt(self._named(ref, False), self._path(volume))

    # -- snapshots -------------------------------------------------------------------------
    def list_manageable_snapshots(self, known: dict[str, str]) -> list[dict[str, Any]]:
        return self._listing(True, known)

    def manage_existing_snapshot_get_size(self, snapshot: dict[str, Any],
                                          ref: dict[str, Any]) -> int:
        return self._gib(self._named(ref, True))

    def manage_existing_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                                 ref: dict[str, Any]) -> ModelUpdate:
        return self._adopt(self._named(ref, True), self._snapshot_path(snapshot))
