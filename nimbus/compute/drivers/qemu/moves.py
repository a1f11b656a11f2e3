"""Moving a qemu guest: resize and cold migration, rescue, and live migration.

Hosts here are directories of one machine (``<instances_path>/<host>``), so a guest moves by
moving its directory. A resize keeps the source's directory aside (``_resize/<uuid>``) until
it is confirmed or reverted, and the destination works on a copy, whose root disk grows to the
new flavor. A live migration starts the destination's QEMU waiting for the guest
(``-incoming``), with the same disk files linked into its directory (one file system: the
shared storage of a live migration), and lets QEMU's own migration carry the running guest
across; the source then stops and lets its names go.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from nimbus.compute.drivers.base import DriverError
from nimbus.compute.drivers.qemu import disks, nics
from nimbus.compute.drivers.qemu.process import GuestProcess, free_port, free_vnc_port

KEPT = "_resize"
# What a guest's directory holds that is the running QEMU's, never to be copied or linked.
RUNTIME = {"qmp.sock", "qemu.pid"}


def _repoint(spec: dict[str, Any], old: Path, new: Path) -> dict[str, Any]:
    """The spec with every file of ``old`` named in ``new`` instead."""
    text = json.dumps(spec).replace(json.dumps(str(old))[1:-1] + "/",
                                    json.dumps(str(new))[1:-1] + "/")
    return dict(json.loads(text))


# -- resize and cold migration --------------------------------------------------------------
def keep_aside(proc: GuestProcess, root: Path, flavor: dict[str, Any]) -> dict[str, Any]:
    """Move the stopped guest's directory aside on its source; what the destination needs."""
    spec = proc.spec()
    new_gb = int(flavor.get("disk") or 0)
    if new_gb and new_gb < int(spec.get("root_gb") or 0):
        raise DriverError(reason="Resize error: unable to resize disk down.")
    kept = root / KEPT / proc.dir.name
    if kept.exists():
        disks.remove_tree(kept)
    kept.parent.mkdir(parents=True, exist_ok=True)
    proc.dir.rename(kept)
    GuestProcess(kept, proc.binary, proc.accel, proc.cpu).save(_repoint(spec, proc.dir, kept))
    return {"kept": str(kept)}


def finish(target: GuestProcess, disk_info: dict[str, Any], flavor: dict[str, Any]) -> dict[str, Any]:
    """The guest's copy in ``target``'s directory, at the new flavor; its spec."""
    kept = Path(str(disk_info.get("kept", "")))
    if not (kept / "guest.json").exists():
        raise DriverError(reason="The guest's disks kept by its source host are not reachable "
                                 "from this host.")
    if target.dir.exists():
        disks.remove_tree(target.dir)
    shutil.copytree(kept, target.dir, ignore=lambda _d, names: [n for n in names
                                                                if n in RUNTIME])
    spec = _repoint(json.loads((target.dir / "guest.json").read_text()), kept, target.dir)
    spec["vcpus"] = int(flavor.get("vcpus") or spec["vcpus"])
    spec["ram"] = int(flavor.get("ram") or spec["ram"])
    root_gb = int(flavor.get("disk") or 0)
    if root_gb and (target.dir / "disk").exists():  # a volume-backed guest has no local root
        disks.grow(target.dir / "disk", root_gb)
        spec["root_gb"] = root_gb
    eph_gb = int(flavor.get("ephemeral") or 0)
    if eph_gb and (target.dir / "disk.eph0").exists():
        disks.grow(target.dir / "disk.eph0", eph_gb)
    target.save(spec)
    return spec


def drop_kept(root: Path, uuid: str) -> None:
    disks.remove_tree(root / KEPT / uuid)


def bring_back(proc: GuestProcess, root: Path) -> None:
    """Put the kept directory back in place on the source (a revert)."""
    kept = root / KEPT / proc.dir.name
    if not kept.exists():
        raise DriverError(reason=f"Nothing was kept of {proc.dir.name} on this host.")
    if proc.dir.exists():
        disks.remove_tree(proc.dir)
    kept.rename(proc.dir)
    proc.save(_repoint(proc.spec(), kept, proc.dir))


# -- rescue -----------------------------------------------------------------------------------
def rescue_spec(proc: GuestProcess, base: Path, base_format: str) -> dict[str, Any]:
    """The guest's spec booting a fresh disk of the rescue image, its own disk second."""
    rescue_disk = proc.dir / "disk.rescue"
    rescue_disk.unlink(missing_ok=True)
    disks.overlay(base, base_format, rescue_disk, 0)
    spec = proc.spec()
    own = [{k: v for k, v in d.items() if k != "bootindex"} for d in spec["disks"]]
    spec["disks"] = [{"id": "rescue", "path": str(rescue_disk), "format": "qcow2",
                      "bootindex": 1}, *own]
    return spec


# -- live migration ---------------------------------------------------------------------------
def live_migrate(source: GuestProcess, dest: GuestProcess, timeout: float,
                 ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Carry the running guest from ``source`` to a new QEMU in ``dest``'s directory, its NICs
    on the taps ``ports`` (the destination's bindings) name."""
    spec = source.spec()
    if dest.dir.exists():
        disks.remove_tree(dest.dir)
    dest.dir.mkdir(parents=True)
    for item in source.dir.iterdir():
        if item.name in RUNTIME or item.name == "guest.json" or item.is_dir():
            continue
        # Linked, not copied: both QEMUs see the same disks, as on shared storage.
        os.link(item, dest.dir / item.name)
    moved = _repoint(spec, source.dir, dest.dir)
    # A QEMU of its own on the destination, with ports of its own.
    moved["vnc_port"] = free_vnc_port()
    moved["serial_port"] = free_port()
    for nic in moved["nics"]:
        nic["forwards"] = {guest: free_port() for guest in nic.get("forwards", {})}
    dest.save(nics.retap(moved, ports or []))
    port = free_port()
    dest.start(moved, incoming=f"tcp:127.0.0.1:{port}")
    try:
        source.qmp("migrate", uri=f"tcp:127.0.0.1:{port}")
        deadline = time.monotonic() + timeout
        while True:
            state = source.qmp("query-migrate").get("status")
            if state == "completed":
                break
            if state in ("failed", "cancelled") or time.monotonic() > deadline:
                raise DriverError(reason=f"Live migration did not complete ({state}).")
            time.sleep(0.2)
        while dest.status() in ("inmigrate", "prelaunch"):
            if time.monotonic() > deadline:
                raise DriverError(reason="The destination did not take the guest over.")
            time.sleep(0.1)
        if dest.status() == "paused":
            dest.qmp("cont")
    except Exception:
        dest.kill()
        disks.remove_tree(dest.dir)
        if source.status() == "paused":
            source.qmp("cont")
        raise
    source.kill()
    disks.remove_tree(source.dir)
    return {"moved": str(dest.dir)}

