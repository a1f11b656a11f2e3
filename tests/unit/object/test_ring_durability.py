"""The ring driver keeps Swift's promises: quorum writes, reads that fall back, handoffs, the
replicator restoring lost copies and the auditor quarantining bad ones."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from nimbus.conf.settings import load
from nimbus.core.errors import NotFound, ServiceUnavailable
from nimbus.object.drivers import ring_builder
from nimbus.object.drivers.device import FileWriter, LocalDevice, Version
from nimbus.object.drivers.ring import RING_FILE, RingDriver

OBJECTS = 12

COVERS = [("object", "ring driver: quorum writes (503 below quorum), reads falling back, "
                     "handoffs, replicator, auditor quarantine, tombstones")]


def make(tmp_path: Path, devices: int = 3, mount_check: bool = False) -> RingDriver:
    if devices != 3:
        ring = ring_builder.create(6, 3, min_part_hours=0)
        for n in range(1, devices + 1):
            ring.add(f"d{n}", 100.0, zone=n, path=f"objects/d{n}")
        ring.rebalance()
        ring.save(tmp_path / RING_FILE)
    driver = RingDriver(load({"state_dir": str(tmp_path), "object_mount_check": mount_check}))
    if mount_check:
        for device in driver.devices.values():
            device.root.mkdir(parents=True, exist_ok=True)
    return driver


def body(n: int) -> bytes:
    return f"object {n} ".encode() * (1000 + n)


def put_all(driver: RingDriver) -> dict[str, str]:
    return {f"o{n}": driver.put("AUTH_a", "c", f"o{n}", iter([body(n)]), {"n": n},
                                10**9).timestamp for n in range(OBJECTS)}


def where(driver: RingDriver, name: str, ts: str) -> list[str]:
    """The devices holding a copy of one version."""
    name_hash = ring_builder.object_hash("AUTH_a", "c", name)
    version = Version(driver.ring.partition(name_hash), name_hash, ts)
    return sorted(d.name for d in driver.devices.values() if d.has(version))


def read_all(driver: RingDriver, versions: dict[str, str]) -> None:
    for n in range(OBJECTS):
        assert b"".join(driver.get("AUTH_a", "c", f"o{n}", versions[f"o{n}"])) == body(n)
        assert driver.head("AUTH_a", "c", f"o{n}", versions[f"o{n}"])["n"] == n


def device(driver: RingDriver, name: str) -> LocalDevice:
    return next(d for d in driver.devices.values() if d.name == name)


def test_three_copies_on_distinct_devices(tmp_path: Path) -> None:
    driver = make(tmp_path)
    versions = put_all(driver)
    for name, ts in versions.items():
        assert where(driver, name, ts) == ["d1", "d2", "d3"]
    assert (tmp_path / "objects" / "d1" / "objects").is_dir()


def test_device_lost_reads_fall_back_and_replicator_restores(tmp_path: Path) -> None:
    driver = make(tmp_path)
    versions = put_all(driver)
    shutil.rmtree(device(driver, "d2").root)
    read_all(driver, versions)
    assert driver.replicate_pass(10_000) == OBJECTS
    for name, ts in versions.items():
        assert where(driver, name, ts) == ["d1", "d2", "d3"]
    driver.replicate_pass(10_000)  # a full cycle ends: the counts are those of the last one
    assert driver.health()["replica_counts"] == {"3": OBJECTS}


def test_corrupt_copy_is_quarantined_and_repaired(tmp_path: Path) -> None:
    driver = make(tmp_path)
    versions = put_all(driver)
    bad = device(driver, "d3")
    data = sorted(bad.objects_dir.glob("*/*/*/*.data"))
    assert len(data) == OBJECTS
    damaged = data[0]
    damaged.write_bytes(b"X" * damaged.stat().st_size)  # same size: only the md5 tells
    truncated = data[1]
    truncated.write_bytes(truncated.read_bytes()[:10])
    assert driver.audit_pass(10_000) == 2
    assert driver.health()["quarantined"] == 2
    assert len(list((bad.root / "quarantined" / "objects").iterdir())) == 2
    read_all(driver, versions)
    driver.replicate_pass(10_000)
    for name, ts in versions.items():
        assert where(driver, name, ts) == ["d1", "d2", "d3"]
    assert driver.audit_pass(10_000) == 0
    for dev in driver.devices.values():  # every copy now reads right, whichever is asked
        for part in dev.partitions():
            for version in dev.versions(part):
                assert dev.verify(version)


def test_reading_a_bad_copy_whole_quarantines_it(tmp_path: Path) -> None:
    driver = make(tmp_path)
    stored = driver.put("AUTH_a", "c", "o", iter([b"abc" * 100]), {}, 10**6)
    first = driver.nodes(driver.ring.partition(ring_builder.object_hash("AUTH_a", "c", "o")))[0][0]
    (path,) = first.objects_dir.glob("*/*/*/*.data")
    path.write_bytes(b"z" * 300)
    b"".join(driver.get("AUTH_a", "c", "o", stored.timestamp))  # the bad bytes, once
    assert b"".join(driver.get("AUTH_a", "c", "o", stored.timestamp)) == b"abc" * 100
    assert not path.exists()


def test_quorum_lost_is_503_and_keeps_what_was_acknowledged(tmp_path: Path) -> None:
    driver = make(tmp_path, mount_check=True)
    versions = put_all(driver)
    away = [tmp_path / "objects" / "d1", tmp_path / "objects" / "d2"]
    for root in away:
        root.rename(root.with_name(root.name + ".away"))
    with pytest.raises(ServiceUnavailable):
        driver.put("AUTH_a", "c", "late", iter([b"never"]), {}, 100)
    read_all(driver, versions)
    for root in away:
        root.with_name(root.name + ".away").rename(root)
    read_all(driver, versions)
    assert list(device(driver, "d3").objects_dir.glob("*/*/*/*.data")).__len__() == OBJECTS


def test_write_errors_under_and_over_quorum(tmp_path: Path, monkeypatch: Any) -> None:
    driver = make(tmp_path)
    failing: set[str] = {"d1"}
    real_write = FileWriter.write

    def write(self: FileWriter, chunk: bytes) -> None:
        if self.device.name in failing:
            raise OSError("I/O error")
        real_write(self, chunk)

    monkeypatch.setattr(FileWriter, "write", write)
    stored = driver.put("AUTH_a", "c", "o", iter([b"data"]), {}, 100)
    assert where(driver, "o", stored.timestamp) == ["d2", "d3"]
    failing.add("d2")
    with pytest.raises(ServiceUnavailable):
        driver.put("AUTH_a", "c", "o2", iter([b"data"]), {}, 100)
    assert [v for v in driver.list() if v[2] == "o2"] == []
    assert not list(tmp_path.glob("objects/*/tmp/*"))  # no partial file left either
    failing.clear()
    driver.replicate_pass(10_000)
    assert where(driver, "o", stored.timestamp) == ["d1", "d2", "d3"]


def test_unmounted_primary_uses_a_handoff_which_goes_home(tmp_path: Path) -> None:
    driver = make(tmp_path, devices=4, mount_check=True)
    name_hash = ring_builder.object_hash("AUTH_a", "c", "o")
    primaries, handoffs = driver.nodes(driver.ring.partition(name_hash))
    down = primaries[0].root
    down.rename(down.with_name("gone"))
    stored = driver.put("AUTH_a", "c", "o", iter([b"payload"]), {}, 100)
    holders = where(driver, "o", stored.timestamp)
    assert handoffs[0].name in holders and primaries[0].name not in holders
    assert len(holders) == 3
    driver.replicate_pass(10_000)  # the primary is still down: the handoff keeps its copy
    assert handoffs[0].name in where(driver, "o", stored.timestamp)
    down.with_name("gone").rename(down)
    driver.replicate_pass(10_000)
    assert where(driver, "o", stored.timestamp) == sorted(d.name for d in primaries)
    assert b"".join(driver.get("AUTH_a", "c", "o", stored.timestamp)) == b"payload"


def test_delete_while_a_device_is_away_does_not_come_back(tmp_path: Path) -> None:
    driver = make(tmp_path, mount_check=True)
    stored = driver.put("AUTH_a", "c", "o", iter([b"payload"]), {}, 100)
    d3 = device(driver, "d3").root
    d3.rename(d3.with_name("away"))
    driver.delete("AUTH_a", "c", "o", stored.timestamp)
    d3.with_name("away").rename(d3)
    driver.replicate_pass(10_000)
    assert where(driver, "o", stored.timestamp) == []
    with pytest.raises(NotFound):
        driver.get("AUTH_a", "c", "o", stored.timestamp)
    assert list(driver.list()) == []
    driver.replicator.reclaim_age = -1.0  # tombstones older than a week are forgotten
    driver.replicate_pass(10_000)
    assert not list(tmp_path.glob("objects/*/objects/*/*/*/*.ts"))


def test_ring_changes_are_seen_and_partitions_move(tmp_path: Path) -> None:
    driver = make(tmp_path)
    versions = put_all(driver)
    ring = ring_builder.load(tmp_path / RING_FILE)
    ring.add("d4", 100.0, zone=4, path="objects/d4")
    ring.rebalance()
    ring.save(tmp_path / RING_FILE)
    os.utime(tmp_path / RING_FILE, (1, 1))  # a different mtime whatever the clock's grain
    driver._checked = 0.0
    assert len(driver.current().devices) == 4
    read_all(driver, versions)  # copies not yet moved are found on handoffs
    driver.replicate_pass(10_000)
    for name, ts in versions.items():
        name_hash = ring_builder.object_hash("AUTH_a", "c", name)
        primaries = driver.nodes(driver.ring.partition(name_hash))[0]
        assert where(driver, name, ts) == sorted(d.name for d in primaries)
    read_all(driver, versions)
    assert hashlib.md5(body(0)).hexdigest()


def test_objects_of_the_file_driver_are_adopted(tmp_path: Path) -> None:
    from nimbus.object.drivers.file import FileDriver

    old = FileDriver(load({"state_dir": str(tmp_path)}))
    stored = old.put("AUTH_a", "c", "kept", iter([b"from before"]), {"k": "v"}, 100)
    driver = make(tmp_path)
    assert b"".join(driver.get("AUTH_a", "c", "kept", stored.timestamp)) == b"from before"
    assert driver.head("AUTH_a", "c", "kept", stored.timestamp)["k"] == "v"
    assert where(driver, "kept", stored.timestamp) == ["d1", "d2", "d3"]
    assert (tmp_path / "objects" / "data.adopted").is_dir()
    assert not (tmp_path / "objects" / "data").exists()


def test_the_durability_worker_sweeps_what_unfinished_writes_left(tmp_path: Path) -> None:
    from nimbus.object.manager.durability import Durability

    driver = make(tmp_path)
    tmp = device(driver, "d1").tmp_dir
    tmp.mkdir(parents=True, exist_ok=True)
    stale, fresh = tmp / "old.tmp", tmp / "new.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(stale, (0, 0))
    Durability(driver).run_once()
    assert not stale.exists() and fresh.exists()
