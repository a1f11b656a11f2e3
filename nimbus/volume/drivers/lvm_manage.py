"""Managing logical volumes the lvm backend finds in its volume group (``LvmDriver`` mixes
this in).

A manageable volume is any LV of the group that this backend could serve: a thin volume of its
pool in ``thin`` mode, a linear LV otherwise (one contiguous run of extents without
device-mapper); pools, LVM's hidden LVs and the backend's own half-made ones are not listed.
Snapshots are the LVs named ``_snapshot-<...>``. Managing one renames it to the new volume's
(or snapshot's) name and grows it to whole GiB (sizes are whole GiB in the API), the new part
zeroed; unmanaging leaves the LV under its name, for a later manage.
"""

from __future__ import annotations

import math
import re
from typing import Any

from nimbus.volume.drivers.base import ModelUpdate, Volume
from nimbus.volume.drivers.lvm_vg import VolumeGroup
from nimbus.volume.errors import ManageExistingInvalidReference, VolumeBackendError

GB = 1024 ** 3
SNAPSHOT_PREFIX = "_snapshot-"
# LVM's own rule for LV names; a ref never names a path.
_NAME = re.compile(r"^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$")


class LvmManageMixin:
    """Manage and unmanage for ``LvmDriver``, whose attributes below are its own."""

    vg: VolumeGroup
    mode: str
    thin_pool: str | None

    def _why_not(self, row: dict[str, str]) -> str | None:
        """Why this backend could not serve the LV (None: it could)."""
        attr = row.get("lv_attr", "")
        if self.thin_pool is not None:
            if row.get("pool_lv") != self.thin_pool:
                return f"not a thin volume of pool {self.thin_pool}"
        elif attr[:1] != "-":
            return "not a linear volume"
        if self.vg.metadata_only:
            try:
                self.vg.locate(row["lv_name"])
            except VolumeBackendError:
                return "not one contiguous run of extents"
        elif attr[5:6] == "o":
            return "open (in use)"
        return None

    def _listing(self, snapshots: bool, known: dict[str, str]) -> list[dict[str, Any]]:
        found = []
        for name, row in sorted(self.vg.volumes().items()):
            attr = row.get("lv_attr", "")
            # LVM's hidden LVs, pools, and what a cut-off change of this backend left.
            if name.startswith("[") or attr[:1] in ("t", "e") or name.endswith((".new", ".old")):
                continue
            if name.startswith(SNAPSHOT_PREFIX) != snapshots:
                continue
            cinder_id = known.get(name[1:] if snapshots else name)
            why = self._why_not(row)
            entry: dict[str, Any] = {
                "reference": {"source-name": name},
                "size": max(1, math.ceil(int(row["lv_size"]) / GB)),
                "safe_to_manage": cinder_id is None and why is None,
                "reason_not_safe": "already managed" if cinder_id else why,
                "cinder_id": cinder_id, "extra_info": None}
            if snapshots:
                entry["source_reference"] = None
            found.append(entry)
        return found

    def _named(self, ref: dict[str, Any], snapshots: bool) -> tuple[str, int]:
        """The LV ``ref`` names (``{"source-name": "<lv>"}``) and its size in whole GiB."""
        name = str(ref.get("source-name") or "")
        if not _NAME.match(name) or name.startswith(SNAPSHOT_PREFIX) != snapshots:
            raise ManageExistingInvalidReference(existing_ref=ref,
                                                 reason="source-name must name a logical "
                                                        "volume of this backend")
        row = self.vg.volumes().get(name)
        if row is None:
            raise ManageExistingInvalidReference(existing_ref=ref,
                                                 reason=f"{self.vg.name}/{name} does not exist")
        why = self._why_not(row)
        if why is not None:
            raise ManageExistingInvalidReference(existing_ref=ref, reason=why)
        return name, max(1, math.ceil(int(row["lv_size"]) / GB))

    def _adopt(self, source: str, size_gb: int, target: str) -> ModelUpdate:
        """``source`` grown to whole GiB (the new part zeroed), renamed ``target``."""
        where = self.vg.locate(source)
        if where.size < size_gb * GB:
            if not self.vg.extend(source, size_gb * GB):
                raise VolumeBackendError(reason=f"{self.vg.name}/{source} cannot grow to "
                                                f"{size_gb} GiB in one contiguous run.")
            if self.thin_pool is None:
                self.vg.locate(source).zero(where.size)
        if source != target:
            self.vg.rename(source, target)
        return {"provider_location": f"{self.vg.name}/{target}"}

    # -- volumes ---------------------------------------------------------------------------
    def list_manageable_volumes(self, known: dict[str, str]) -> list[dict[str, Any]]:
        return self._listing(False, known)

    def manage_existing_get_size(self, volume: Volume, ref: dict[str, Any]) -> int:
        return self._named(ref, False)[1]

    def manage_existing(self, volume: Volume, ref: dict[str, Any]) -> ModelUpdate:
        if volume.get("encryption"):
            raise VolumeBackendError(reason="The lvm backend does not keep encrypted volumes.")
        name, size = self._named(ref, False)
        return self._adopt(name, size, str(volume["name"]))

    # -- snapshots -------------------------------------------------------------------------
    def list_manageable_snapshots(self, known: dict[str, str]) -> list[dict[str, Any]]:
        return self._listing(True, known)

    def manage_existing_snapshot_get_size(self, snapshot: dict[str, Any],
                                          ref: dict[str, Any]) -> int:
        return self._named(ref, True)[1]

    def manage_existing_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                                 ref: dict[str, Any]) -> ModelUpdate:
        name, size = self._named(ref, True)
        return self._adopt(name, size, f"{SNAPSHOT_PREFIX}{snapshot['id']}")
