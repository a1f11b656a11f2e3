"""The object ring: which devices hold each partition's replicas, and how it is rebalanced.

Swift's model: an object's path hashes to one of ``2 ** part_power`` partitions; the ring's table
gives, for each replica, the device of every partition. Devices carry weights (their share of
the partitions), zones and regions (failure domains). A rebalance assigns what has no home (new
ring, removed device, two replicas on one device or in one zone while another zone exists) and
then moves partitions off overweight devices, at most one replica of a partition per rebalance
and none moved within ``min_part_hours``, so that data stays readable while replication catches
up. The ring is one JSON file every process reads, so they all place objects alike.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import time
from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nimbus.core.errors import BadRequest, NotFound

# Swift's default (as in its sample configs): a partition moves at most once an hour.
DEFAULT_MIN_PART_HOURS = 1
# The array type of the partition tables: device ids up to 65535.
_TYPECODE = "H"
_NONE = 0xFFFF


@dataclass
class Device:
    id: int
    name: str
    weight: float
    zone: int = 1
    region: int = 1
    # Where a local device's files live; empty for a device of another node.
    path: str = ""
    # A storage node's address (``host:port``) for a device served by ``nimbus agent object``.
    node: str = ""


@dataclass
class Ring:
    part_power: int
    replicas: int
    min_part_hours: int = DEFAULT_MIN_PART_HOURS
    devices: dict[int, Device] = field(default_factory=dict)
    # replica -> partition -> device id (``_NONE`` until a rebalance assigns it).
    table: list[array[int]] = field(default_factory=list)
    # partition -> 1 + the hour (since the epoch) of its last move; 0: never moved.
    moved_at: array[int] = field(default_factory=lambda: array("L"))

    @property
    def partitions(self) -> int:
        return 1 << self.part_power

    def partition(self, name_hash: str) -> int:
        """The partition of an object whose ``object_hash`` is ``name_hash``: its top bits."""
        return int(name_hash[:8], 16) >> (32 - self.part_power)

    def primaries(self, part: int) -> list[Device]:
        return [self.devices[row[part]] for row in self.table
                if row[part] != _NONE and row[part] in self.devices]

    def handoffs(self, part: int) -> list[Device]:
        """The other devices in the order a partition spills to them: other zones first, then
        the rest, in an order that differs per partition so no one device takes all spills."""
        primaries = self.primaries(part)
        zones = {(d.region, d.zone) for d in primaries}
        ids = {d.id for d in primaries}
        others = [d for d in self.devices.values() if d.id not in ids and d.weight > 0]
        others.sort(key=lambda d: ((d.region, d.zone) in zones,
                                   hashlib.md5(f"{part}:{d.id}".encode(),
                                               usedforsecurity=False).digest()))
        return others

    # -- building ------------------------------------------------------------------------

    def add(self, name: str, weight: float, zone: int = 1, region: int = 1, path: str = "",
            node: str = "") -> Device:
        if any(d.name == name and d.node == node for d in self.devices.values()):
            raise BadRequest(reason=f"device {name} is already in the ring")
        if weight < 0:
            raise BadRequest(reason="a weight cannot be negative")
        device = Device(max(self.devices, default=-1) + 1, name, weight, zone, region, path,
                        node)
        self.devices[device.id] = device
        return device

    def find(self, name: str) -> Device:
        for device in self.devices.values():
            if name in (device.name, str(device.id)):
                return device
        raise NotFound(resource="device", id=name)

    def rebalance(self, now: float | None = None) -> int:
        """Assign every partition-replica; how many assignments changed."""
        hour = int((time.time() if now is None else now) // 3600)
        if not self.table:
            self.table = [array(_TYPECODE, [_NONE]) * self.partitions
                          for _ in range(self.replicas)]
            self.moved_at = array("L", [0]) * self.partitions
        live = {i: d for i, d in self.devices.items() if d.weight > 0}
        if not live:
            raise BadRequest(reason="the ring has no device with a weight")
        counts: Counter[int] = Counter()
        for row in self.table:
            counts.update(dev for dev in row if dev in live)
        want = self._wanted(live)
        homeless = self._unplaceable(live, counts)
        homeless += self._overweight(live, counts, want, hour, {p for p, _ in homeless})
        for part, replica in homeless:
            target = self._best(part, replica, live, counts, want)
            self.table[replica][part] = target
            counts[target] += 1
            self.moved_at[part] = hour + 1
        # Devices taken out with weight 0 and emptied are dropped from the ring.
        held = {dev for row in self.table for dev in row}
        for dev_id in [i for i, d in self.devices.items() if d.weight <= 0 and i not in held]:
            del self.devices[dev_id]
        return len(homeless)

    def _wanted(self, live: dict[int, Device]) -> dict[int, float]:
        total = sum(d.weight for d in live.values())
        return {i: d.weight / total * self.partitions * self.replicas for i, d in live.items()}

    def _unplaceable(self, live: dict[int, Device], counts: Counter[int]) -> list[
            tuple[int, int]]:
        """Replicas with no live device, on a device another replica uses, or sharing a zone
        while the part could spread wider."""
        spread = min(self.replicas, len({(d.region, d.zone) for d in live.values()}))
        out: list[tuple[int, int]] = []
        for part in range(self.partitions):
            seen_devs: set[int] = set()
            seen_zones: set[tuple[int, int]] = set()
            for replica, row in enumerate(self.table):
                dev = row[part]
                device = live.get(dev)
                zone = None if device is None else (device.region, device.zone)
                crowded = zone in seen_zones and len(seen_zones) < spread
                if device is None or dev in seen_devs or crowded:
                    if device is not None:
                        counts[dev] -= 1
                    row[part] = _NONE
                    out.append((part, replica))
                    continue
                seen_devs.add(dev)
                assert zone is not None
                seen_zones.add(zone)
        return out

    def _overweight(self, live: dict[int, Device], counts: Counter[int], want: dict[int, float],
                    hour: int, taken: set[int]) -> list[tuple[int, int]]:
        """Replicas to take off devices holding more than their share (rounded up)."""
        out: list[tuple[int, int]] = []
        excess = {i: counts[i] - int(want[i]) - (1 if want[i] % 1 else 0) for i in live}
        for part in range(self.partitions):
            moved = self.moved_at[part]
            if part in taken or moved and hour + 1 - moved < self.min_part_hours:
                continue
            for replica, row in enumerate(self.table):
                dev = row[part]
                if excess.get(dev, 0) > 0:
                    excess[dev] -= 1
                    counts[dev] -= 1
                    row[part] = _NONE
                    out.append((part, replica))
                    break  # one replica of a partition per rebalance
        return out

    def _best(self, part: int, replica: int, live: dict[int, Device], counts: Counter[int],
              want: dict[int, float]) -> int:
        others = [self.devices[row[part]] for r, row in enumerate(self.table)
                  if r != replica and row[part] in live]
        used_devs = {d.id for d in others}
        regions = Counter(d.region for d in others)
        zones = Counter((d.region, d.zone) for d in others)
        candidates = [d for d in live.values() if d.id not in used_devs] or list(live.values())
        best = min(candidates, key=lambda d: (zones[(d.region, d.zone)], regions[d.region],
                                              counts[d.id] - want[d.id], d.id))
        return best.id

    def balance(self) -> float:
        """The largest deviation of any device from its share, in percent."""
        live = {i: d for i, d in self.devices.items() if d.weight > 0}
        if not live or not self.table:
            return 0.0
        counts = Counter(dev for row in self.table for dev in row)
        want = self._wanted(live)
        return max(abs(counts[i] - want[i]) / want[i] * 100 for i in live)

    def describe(self) -> dict[str, Any]:
        counts = Counter(dev for row in self.table for dev in row)
        return {"part_power": self.part_power, "replicas": self.replicas,
                "partitions": self.partitions, "min_part_hours": self.min_part_hours,
                "balance": round(self.balance(), 2),
                "devices": [{**asdict(d), "partitions": counts[d.id]}
                            for d in self.devices.values()]}

    # -- the file ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"part_power": self.part_power, "replicas": self.replicas,
                "min_part_hours": self.min_part_hours,
                "devices": [asdict(d) for d in self.devices.values()],
                "table": [base64.b64encode(row.tobytes()).decode() for row in self.table],
                "moved_at": base64.b64encode(self.moved_at.tobytes()).decode()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ring:
        ring = cls(data["part_power"], data["replicas"], data["min_part_hours"])
        ring.devices = {d["id"]: Device(**d) for d in data["devices"]}
        for encoded in data["table"]:
            row = array(_TYPECODE)
            row.frombytes(base64.b64decode(encoded))
            ring.table.append(row)
        ring.moved_at = array("L")
        ring.moved_at.frombytes(base64.b64decode(data["moved_at"]))
        return ring

    def save(self, path: Path) -> None:
        """Written whole and renamed, so a reader sees the old ring or the new one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(self.to_json(), fh)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def object_hash(account: str, container: str, obj: str) -> str:
    """The md5 of an object's path, as Swift names its directories (and picks its partition)."""
    return hashlib.md5(f"/{account}/{container}/{obj}".encode(),
                       usedforsecurity=False).hexdigest()


def create(part_power: int, replicas: int, min_part_hours: int = DEFAULT_MIN_PART_HOURS) -> Ring:
    if not 1 <= part_power <= 24:
        raise BadRequest(reason="the partition power must be between 1 and 24")
    if not 1 <= replicas <= 16:
        raise BadRequest(reason="replicas must be between 1 and 16")
    return Ring(part_power, replicas, min_part_hours)


def load(path: Path) -> Ring:
    return Ring.from_json(json.loads(path.read_text()))
