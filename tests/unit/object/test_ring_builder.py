"""The ring: placement by partition, weights, zones, and rebalances that move little."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nimbus.core.errors import BadRequest
from nimbus.object.drivers import ring_builder
from nimbus.object.drivers.ring_builder import Ring

HOUR = 3600.0

COVERS = [("object", "ring: partition power, replicas, weights, zones; rebalance moves little "
                     "and never two replicas to one device; nimbus manage ring")]


def table(ring: Ring) -> list[list[int]]:
    return [list(row) for row in ring.table]


def spread_ok(ring: Ring) -> None:
    """No partition has two replicas on one device, nor in one zone while zones remain."""
    zones = {(d.region, d.zone) for d in ring.devices.values() if d.weight > 0}
    for part in range(ring.partitions):
        devs = [row[part] for row in ring.table]
        assert len(set(devs)) == len(devs), (part, devs)
        used = [(ring.devices[d].region, ring.devices[d].zone) for d in devs]
        assert len(set(used)) == min(len(zones), ring.replicas), (part, used)


def four_zones() -> Ring:
    ring = ring_builder.create(6, 3, min_part_hours=1)
    for n in range(4):
        ring.add(f"d{n}", 100.0, zone=n + 1)
    ring.rebalance(now=0)
    return ring


def test_rebalance_spreads_by_weight_and_zone() -> None:
    ring = four_zones()
    spread_ok(ring)
    counts = Counter(d for row in ring.table for d in row)
    assert sorted(counts.values()) == [48, 48, 48, 48]
    assert ring.balance() == 0.0


def test_adding_a_device_moves_only_its_share_and_one_replica_per_partition() -> None:
    ring = four_zones()
    before = table(ring)
    ring.add("d4", 100.0, zone=5)
    assert ring.rebalance(now=0) == 0  # min_part_hours: nothing moved within the hour
    moved = ring.rebalance(now=2 * HOUR)
    after = table(ring)
    changes = [(r, p) for r in range(3) for p in range(ring.partitions)
               if before[r][p] != after[r][p]]
    assert len(changes) == moved
    # The new device takes about its share (a fifth of 192, the others keep at most 39 each),
    # and nothing moved that it did not take.
    counts = Counter(d for row in ring.table for d in row)
    assert 36 <= counts[4] <= 39 and moved == counts[4]
    assert len({p for _r, p in changes}) == len(changes)
    spread_ok(ring)


def test_weights_and_removal() -> None:
    ring = ring_builder.create(6, 3, min_part_hours=0)
    ring.add("big", 200.0, zone=1)
    for n in range(3):
        ring.add(f"s{n}", 100.0, zone=n + 2)
    ring.rebalance()
    counts = Counter(d for row in ring.table for d in row)
    assert counts[0] == 64  # one replica of every partition, the most it may hold
    ring.find("s0").weight = 0
    ring.rebalance()
    assert 1 not in ring.devices  # drained and dropped
    spread_ok(ring)


def test_fewer_zones_than_replicas_still_distinct_devices() -> None:
    ring = ring_builder.create(5, 3, min_part_hours=0)
    for n in range(4):
        ring.add(f"d{n}", 100.0, zone=1 + n % 2)
    ring.rebalance()
    spread_ok(ring)


def test_save_load_and_errors(tmp_path: Path) -> None:
    ring = four_zones()
    path = tmp_path / "object.ring.json"
    ring.save(path)
    again = ring_builder.load(path)
    assert table(again) == table(ring) and again.devices == ring.devices
    name_hash = ring_builder.object_hash("AUTH_a", "c", "o")
    assert again.partition(name_hash) == ring.partition(name_hash) < ring.partitions
    assert [d.id for d in again.handoffs(0)] and len(again.primaries(0)) == 3
    with pytest.raises(BadRequest):
        ring.add("d0", 1.0)
    with pytest.raises(BadRequest):
        ring_builder.create(30, 3)


def test_manage_ring_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nimbus.cmd.main import main

    def ring(*args: str) -> int:
        return main(["manage", "ring", "--state-dir", str(tmp_path), *args])

    assert ring("show") == 1
    assert ring("create", "6", "3", "0") == 0
    assert ring("create", "6", "3") == 1  # never replaced by accident
    for n in range(4):
        assert ring("add", f"d{n}", "100", "--zone", str(n + 1)) == 0
    assert ring("add", "d0", "100") == 1
    assert ring("rebalance") == 0
    assert ring("set-weight", "d3", "50") == 0
    assert ring("remove", "d0") == 0
    assert ring("rebalance") == 0
    capsys.readouterr()
    assert ring("show", "--json") == 0
    import json

    shown = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in shown["devices"]] == ["d1", "d2", "d3"]
    assert sum(d["partitions"] for d in shown["devices"]) == 64 * 3
    assert shown["devices"][0]["path"] == "objects/d1"
    spread_ok(ring_builder.load(tmp_path / "object.ring.json"))
