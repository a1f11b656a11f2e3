"""Swift's object replicator and auditor, over the devices of one ring.

The replicator walks partitions, a bounded number per pass, resuming where the last pass
stopped. For each version found on any device it makes every primary device that is up hold a
copy (from whichever device has a good one), puts a copy on a handoff for each primary that is
down, and once all primaries have theirs removes the copies handoffs kept. Tombstones travel
the same way, and are forgotten after ``reclaim_age``, as Swift reclaims them.

The auditor reads copies whole, a bounded number per pass, and compares their md5 with the
one recorded beside them; a copy that differs (or whose record is unreadable) is quarantined,
so the replicator replaces it from a good one.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Protocol

from nimbus.object.drivers import ring_builder
from nimbus.object.drivers.device import Device, Quarantined, Version

LOG = logging.getLogger(__name__)
# Swift's default: a week, long enough for any device that was away to come back.
RECLAIM_AGE = 7 * 24 * 3600.0
# Bytes one auditor pass reads at most, so that auditing never crowds out client reads (Swift
# limits its auditor by bytes per second for the same reason).
AUDIT_BYTES_PER_PASS = 256 * 1024 * 1024


class Placement(Protocol):
    devices: dict[int, Device]

    def current(self) -> ring_builder.Ring: ...

    def nodes(self, part: int) -> tuple[list[Device], list[Device]]: ...


class Replicator:
    def __init__(self, placement: Placement, reclaim_age: float = RECLAIM_AGE) -> None:
        self.placement = placement
        self.reclaim_age = reclaim_age
        self._cursor: Iterator[int] | None = None
        self._counts: Counter[int] = Counter()
        #: Copies per version ("3": how many versions have three), from the last full cycle.
        self.replica_counts: dict[str, int] = {}

    def _partitions(self) -> Iterator[int]:
        """One cycle: every partition a device of this machine holds, lowest first. Each
        storage node pushes what it holds to the others, as Swift's replicators do, so a
        device that lost everything is refilled by its peers."""
        parts: set[int] = set()
        for device in list(self.placement.devices.values()):
            if device.local:
                with contextlib.suppress(OSError):
                    parts.update(device.partitions())
        yield from sorted(parts)
        self.replica_counts = {str(k): v for k, v in sorted(self._counts.items())}
        self._counts = Counter()

    def run_pass(self, limit: int) -> int:
        """Replicate up to ``limit`` partitions; how many copies were made or removed. A pass
        stops where a cycle ends; the next pass starts the next cycle."""
        if self._cursor is None:
            self._cursor = self._partitions()
        changed = 0
        for _ in range(limit):
            part = next(self._cursor, None)
            if part is None:
                self._cursor = None
                break
            changed += self.replicate(part)
        return changed

    def replicate(self, part: int) -> int:
        primaries, handoffs = self.placement.nodes(part)
        holders: dict[Version, list[Device]] = {}
        for device in primaries + handoffs:
            for version in device.versions(part):
                holders.setdefault(version, []).append(device)
        changed = 0
        for version, devices in holders.items():
            try:
                if any(d.tombstoned(version) for d in devices):
                    changed += self._spread_tombstone(version, devices, primaries)
                else:
                    changed += self._spread_copy(version, devices, primaries, handoffs)
            except OSError as exc:
                LOG.warning("replication of partition %d, object %s version %s failed, "
                            "retried on the next pass: %s", part, version.name_hash,
                            version.timestamp, exc)
        # Stop the walk from seeing an emptied partition directory again.
        for device in handoffs:
            with contextlib.suppress(OSError):
                device.forget_partition(part)
        return changed

    def _spread_copy(self, version: Version, devices: list[Device],
                     primaries: list[Device], handoffs: list[Device]) -> int:
        sources = [d for d in devices if d.has(version)]
        changed = 0
        down = 0
        for target in primaries:
            if not target.available():
                down += 1
                continue
            if not target.has(version) and self._copy(version, sources, target):
                changed += 1
        # Each primary that is down has a stand-in: the next handoffs that are up.
        stand_ins = [d for d in handoffs if d.available()][:down]
        for target in stand_ins:
            if not target.has(version) and self._copy(version, sources, target):
                changed += 1
        at_home = sum(1 for d in primaries if d.available() and d.has(version))
        if down == 0 and at_home == len(primaries):
            for device in handoffs:
                if device.has(version):
                    device.delete(version, tombstone=False)
                    changed += 1
        self._counts[sum(1 for d in primaries + handoffs if d.has(version))] += 1
        return changed

    @staticmethod
    def _copy(version: Version, sources: list[Device], target: Device) -> bool:
        for source in sources:
            try:
                source.copy_to(version, target)
            except FileNotFoundError:
                continue  # gone (or quarantined) since the walk: try another copy
            LOG.info("replicated object %s version %s from %s to %s", version.name_hash,
                     version.timestamp, source.name, target.name)
            return True
        return False

    def _spread_tombstone(self, version: Version, devices: list[Device],
                          primaries: list[Device]) -> int:
        changed = 0
        old = max(d.tombstone_age(version) for d in devices) > self.reclaim_age
        for device in set(devices) | {p for p in primaries if p.available()}:
            if old:
                device.delete(version, tombstone=False)
                device.reclaim(version)
            elif device in primaries:
                if device.has(version) or not device.tombstoned(version):
                    device.delete(version)
                    changed += 1
            elif all(p.tombstoned(version) for p in primaries if p.available()):
                device.delete(version, tombstone=False)
                device.reclaim(version)
                changed += 1
        return changed


class Auditor:
    def __init__(self, placement: Placement) -> None:
        self.placement = placement
        self._cursor: Iterator[tuple[Device, Version]] = iter(())
        #: Copies quarantined since this process started.
        self.quarantined = 0

    def _copies(self) -> Iterator[tuple[Device, Version]]:
        # Each storage node audits its own disks: bytes are read where they are.
        for device in list(self.placement.devices.values()):
            if not device.local:
                continue
            for part in device.partitions():
                for version in device.versions(part):
                    yield device, version

    def run_pass(self, limit: int) -> int:
        """Verify up to ``limit`` copies (and ``AUDIT_BYTES_PER_PASS``); how many were
        quarantined."""
        bad = 0
        restarted = False
        checked = read = 0
        while checked < limit and read < AUDIT_BYTES_PER_PASS:
            item = next(self._cursor, None)
            if item is None:
                if restarted:
                    break  # every copy seen in this pass
                self._cursor, restarted = self._copies(), True
                continue
            device, version = item
            if not device.has(version):
                continue
            checked += 1
            try:
                read += device.record(version)["size"]
                good = device.verify(version)
            except Quarantined:
                good = True  # the size alone gave it away: already moved aside
                bad += 1
                self.quarantined += 1
            except FileNotFoundError:
                continue  # removed, or quarantined by a read, since the walk
            except (OSError, ValueError, KeyError):
                good = False
            if not good:
                device.quarantine(version)
                bad += 1
                self.quarantined += 1
                LOG.warning("object %s version %s on device %s does not match its recorded "
                            "md5: quarantined", version.name_hash, version.timestamp,
                            device.name)
        return bad
