"""The lvm volume driver on a volume group of its own (a loop device, made and taken down per
test): volumes, their data, snapshots, clones, extend, images, manage, capacity, and exports
over NBD. Without device-mapper (every kernel can run these) the LVs are metadata only and
read at their extents; where device-mapper works, the same tests run on thin volumes too."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.volume.drivers.base import all_zero
from nimbus.volume.drivers.lvm import LvmDriver
from nimbus.volume.errors import ManageExistingInvalidReference, VolumeBackendError
from tests.support.loop_vg import LoopGroup, device_mapper_works, loop_volume_group, missing

COVERS = [("volume", "lvm driver: volumes, snapshots, clones, extend (in place or moved), "
                     "images, backups' raw data, manage, capacity on a loop-device volume group"),
          ("volume", "lvm driver: a new volume never reads a deleted one's data"),
          ("volume", "lvm driver: volumes exported over NBD, grown while attached, served "
                     "again after a restart")]

GiB = 1024 ** 3
MiB = 1024 * 1024
CHUNK = 8 * MiB


@pytest.fixture
def loop_vg(tmp_path: Path) -> Iterator[LoopGroup]:
    """A volume group on a loop device of its own, gone after the test."""
    why = missing()
    if why is not None:
        pytest.skip(why)
    with loop_volume_group(tmp_path) as group:
        yield group


@pytest.fixture(params=["extents", "thin"])
def driver(request: pytest.FixtureRequest, loop_vg: LoopGroup,
           tmp_path: Path) -> Iterator[LvmDriver]:
    options: dict[str, Any] = {"state_dir": str(tmp_path / "state"),
                               "volume_group": loop_vg.name}
    if request.param == "extents":
        options["lvm_activation"] = "never"
    elif not device_mapper_works():
        pytest.skip("this kernel has no device-mapper: no thin volumes")
    found = LvmDriver(options)
    found.start()
    assert found.mode == request.param
    try:
        yield found
    finally:
        # The daemon holds the loop device open; it goes before the volume group does.
        found.exports.shutdown()


def _volume(volume_id: str, size: int = 1, **extra: Any) -> dict[str, Any]:
    return {"id": volume_id, "name": f"volume-{volume_id}", "size": size, **extra}


def _head(driver: LvmDriver, volume: dict[str, Any], length: int = MiB) -> bytes:
    return next(driver.read_volume(volume, length))


def _at(driver: LvmDriver, lv: str, offset: int, length: int = MiB) -> bytes:
    """``length`` bytes of ``lv`` from ``offset`` (without reading all that comes before)."""
    where = driver.vg.locate(lv)
    assert offset + length <= where.size
    fd = os.open(where.device, os.O_RDONLY)
    try:
        return os.pread(fd, length, where.offset + offset)
    finally:
        os.close(fd)


def _pattern(byte: int, length: int = MiB) -> bytes:
    return bytes([byte]) * length


def test_data_snapshots_clones_extend_and_revert(driver: LvmDriver) -> None:
    vol = _volume("v1")
    assert driver.create_volume(vol) == {"provider_location": f"{driver.vg.name}/volume-v1"}
    driver.write_volume(vol, [_pattern(0x11), bytes(MiB), _pattern(0x12)])
    assert _head(driver, vol, 3 * MiB) == _pattern(0x11) + bytes(MiB) + _pattern(0x12)
    assert driver.create_snapshot({"id": "s1"}, vol)["provider_location"].endswith(
        "/_snapshot-s1")
    driver.write_volume(vol, [_pattern(0x13)])
    # A bigger volume from the snapshot: the snapshot's data, then zeros.
    big = _volume("v2", size=2)
    driver.create_volume_from_snapshot(big, {"id": "s1"})
    assert driver.vg.locate(big["name"]).size == 2 * GiB
    assert _head(driver, big, 4 * MiB) == _pattern(0x11) + bytes(MiB) + _pattern(0x12) + \
        bytes(MiB)
    assert all_zero(_at(driver, big["name"], GiB, 64 * MiB))
    assert all_zero(_at(driver, big["name"], 2 * GiB - MiB))
    # A clone holds what its source holds now.
    clone = _volume("v3")
    driver.create_cloned_volume(clone, vol)
    assert _head(driver, clone) == _pattern(0x13)
    # Grown (not attached): the data stays, the new part reads as zeros.
    driver.extend_volume(clone, 2)
    assert driver.vg.locate(clone["name"]).size == 2 * GiB
    assert _head(driver, clone) == _pattern(0x13)
    assert all_zero(_at(driver, clone["name"], GiB, 64 * MiB))
    # Back to the snapshot's data.
    driver.revert_to_snapshot(vol, {"id": "s1"})
    assert _head(driver, vol, 3 * MiB) == _pattern(0x11) + bytes(MiB) + _pattern(0x12)
    snap = driver.read_snapshot({"id": "s1"}, vol, 64 * MiB)
    assert next(snap)[:MiB] == _pattern(0x11) and sum(len(c) for c in snap) == GiB - 64 * MiB
    for v in (vol, big, clone):
        driver.delete_volume(v)
    driver.delete_snapshot({"id": "s1"}, vol)
    driver.delete_volume(vol)   # gone already: no error
    assert not [n for n in driver.vg.volumes() if n.startswith(("volume-", "_snapshot-"))]


def test_a_new_volume_never_reads_a_deleted_ones_data(driver: LvmDriver) -> None:
    first = _volume("old")
    driver.create_volume(first)
    where = driver.vg.locate(first["name"])
    # The old tenant's data, a MiB in every 64, first and last included.
    driver.write_volume(first, (_pattern(0xAB) if i % 64 in (0, 63) else bytes(MiB)
                                for i in range(GiB // MiB)))
    assert _head(driver, first) == _pattern(0xAB)
    driver.delete_volume(first)
    second = _volume("new")
    driver.create_volume(second)
    if driver.mode == "extents":
        # Without device-mapper the same extents are handed out again.
        assert driver.vg.locate(second["name"]) == where
    assert all(all_zero(chunk) for chunk in driver.read_volume(second, CHUNK))
    driver.delete_volume(second)


def test_capacity_is_the_groups(driver: LvmDriver, loop_vg: LoopGroup) -> None:
    before = driver.get_capacity()
    driver.create_volume(_volume("c1", size=2))
    after = driver.get_capacity()
    if driver.mode == "thin":
        assert after["provisioned_capacity_gb"] == before["provisioned_capacity_gb"] + 2
        return
    out = subprocess.run(["lvm", "vgs", "--driverloaded", "n", "--units", "b", "--nosuffix",
                          "--noheadings", "-o", "vg_size,vg_free", loop_vg.name],
                         capture_output=True, text=True, check=True).stdout.split()
    size, free = int(out[0]), int(out[1])
    assert after == {"total_capacity_gb": round(size / GiB, 2),
                     "free_capacity_gb": round(free / GiB, 2),
                     "provisioned_capacity_gb": round((size - free) / GiB, 2)}
    assert before["free_capacity_gb"] - after["free_capacity_gb"] == pytest.approx(2)
    assert 7.9 < after["total_capacity_gb"] <= 8
    driver.delete_volume(_volume("c1", size=2))


def test_images_in_and_out(driver: LvmDriver, tmp_path: Path) -> None:
    image = tmp_path / "image.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(image), "16M"], check=True)
    subprocess.run(["qemu-io", "-f", "qcow2", "-c", "write -P 0x71 1M 1M", str(image)],
                   capture_output=True, check=True)
    vol = _volume("img")
    driver.copy_image_to_volume(vol, {"id": "i1", "disk_format": "qcow2"},
                                iter([image.read_bytes()]))
    assert _head(driver, vol, 2 * MiB) == bytes(MiB) + _pattern(0x71)
    raw = b"".join(driver.copy_volume_to_image(vol, "raw"))
    assert len(raw) == GiB and raw[MiB:2 * MiB] == _pattern(0x71)
    too_big = tmp_path / "big.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(too_big), "2G"], check=True)
    with pytest.raises(VolumeBackendError, match="larger"):
        driver.copy_image_to_volume(_volume("img2"), {"id": "i2", "disk_format": "qcow2"},
                                    iter([too_big.read_bytes()]))
    with pytest.raises(VolumeBackendError, match="encrypted"):
        driver.create_volume(_volume("enc", encryption={"encryption_key_id": "k"}))
    driver.delete_volume(vol)


def test_manage_and_unmanage(driver: LvmDriver) -> None:
    if driver.mode == "thin":
        driver.vg.run("lvcreate", "--type", "thin", "-V", "100m", "--thinpool",
                      str(driver.thin_pool), "-n", "legacy", driver.vg.name)
    else:
        driver.vg.create("legacy", 100 * MiB)
    listed = {e["reference"]["source-name"]: e
              for e in driver.list_manageable_volumes({})}
    assert listed["legacy"]["safe_to_manage"] and listed["legacy"]["size"] == 1
    assert driver.manage_existing_get_size(_volume("m1"), {"source-name": "legacy"}) == 1
    with pytest.raises(ManageExistingInvalidReference):
        driver.manage_existing_get_size(_volume("m1"), {"source-name": "../etc"})
    with pytest.raises(ManageExistingInvalidReference):
        driver.manage_existing_get_size(_volume("m1"), {"source-name": "missing"})
    managed = _volume("m1")
    driver.manage_existing(managed, {"source-name": "legacy"})
    assert driver.vg.locate("volume-m1").size == GiB
    listed = {e["reference"]["source-name"]: e
              for e in driver.list_manageable_volumes({"volume-m1": "m1"})}
    assert "legacy" not in listed and listed["volume-m1"]["cinder_id"] == "m1"
    assert not listed["volume-m1"]["safe_to_manage"]
    driver.create_snapshot({"id": "ms"}, managed)
    snaps = driver.list_manageable_snapshots({"snapshot-ms": "ms"})
    assert [s["cinder_id"] for s in snaps] == ["ms"]
    driver.unmanage(managed)
    assert driver.vg.exists("volume-m1")
    driver.delete_snapshot({"id": "ms"}, managed)
    driver.delete_volume(managed)


def _nbd_io(info: dict[str, Any], *commands: str) -> str:
    data = info["data"]
    args = ["qemu-io", "-f", "raw"]
    for command in commands:
        args += ["-c", command]
    done = subprocess.run([*args, f"nbd://{data['host']}:{data['port']}/{data['export_name']}"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "fail" not in done.stdout.lower(), done.stdout + done.stderr
    return done.stdout


def _nbd_size(info: dict[str, Any]) -> int:
    data = info["data"]
    out = subprocess.run(["qemu-img", "info", "--output=json",
                          f"nbd://{data['host']}:{data['port']}/{data['export_name']}"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return int(json.loads(out)["virtual-size"])


def test_volumes_are_served_over_nbd_and_grow_while_attached(driver: LvmDriver,
                                                             tmp_path: Path) -> None:
    vol = _volume("n1", attach_status="attached")
    driver.create_volume(vol)
    info = driver.initialize_connection(vol, {"host": "compute-a"})
    assert info["driver_volume_type"] == "nbd"
    assert {k: info["data"][k] for k in ("export_name", "format", "access_mode")} == {
        "export_name": "volume-n1", "format": "raw", "access_mode": "rw"}
    _nbd_io(info, "write -P 0x21 0 1M", "write -P 0x22 1023M 1M")
    # Another volume right behind it: it cannot grow in place, and moves while served.
    driver.create_snapshot({"id": "blocker"}, vol)
    driver.extend_volume(vol, 2)
    assert _nbd_size(info) == 2 * GiB
    _nbd_io(info, "read -P 0x21 0 1M", "read -P 0x22 1023M 1M", "read -P 0 1024M 1M")
    # The agent starts again: the export is still served (the same daemon).
    again = LvmDriver(dict(driver.config))
    again.start()
    _nbd_io(info, "read -P 0x21 0 1M")
    # The daemon went too: the next start serves the export again, on the same port.
    again.exports.shutdown()
    again = LvmDriver(dict(driver.config))
    again.start()
    _nbd_io(info, "read -P 0x22 1023M 1M")
    again.terminate_connection(vol, {"host": "compute-a"})
    assert again.exports._pid() is None
    driver.delete_snapshot({"id": "blocker"}, vol)
    driver.delete_volume(vol)
