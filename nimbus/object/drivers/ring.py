"""Objects replicated over the devices of a ring, as Swift's proxy and object servers keep them.

Each version goes to the ``replicas`` primary devices of its partition; a primary that cannot
take it (unmounted, or failing as the write starts) is replaced by the partition's next handoff
device. A PUT succeeds once a quorum (a majority) of the copies is on disk and fails with 503
otherwise, keeping nothing. A read tries the primaries, then the handoffs, skipping a device
that is missing or a copy that is damaged. The replicator (``replication.py``) restores what a
lost device or a quarantined copy took away and moves handoff copies home.

A device whose ``node`` is set is served by that storage node (``nimbus agent object``) and
reached over HTTP; the others are this process's own disks. A process replicates and audits only
its own disks, pushing copies to the other devices, so a scaled cloud's proxies hold no objects
and each storage node looks after its devices.

The ring lives in ``<state_dir>/object.ring.json`` (``nimbus manage ring``), read again whenever
the file changes, so every process places objects alike. When there is none, a ring of three
devices under ``<state_dir>/objects/d1..d3``, one zone each, is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from operator import methodcaller
from pathlib import Path
from typing import IO, Any

from nimbus.conf.settings import Settings
from nimbus.core.errors import NotFound, PayloadTooLarge, ServiceUnavailable
from nimbus.object.drivers import adopt, replication, ring_builder, timestamps
from nimbus.object.drivers.base import CHUNK_SIZE, ObjectDriver, StoredObject
from nimbus.object.drivers.device import Device, LocalDevice, Version, Writer
from nimbus.object.drivers.remote_device import RemoteDevice, node_key

RING_FILE = "object.ring.json"
# The embedded ring: small enough to walk quickly, large enough to spread three devices evenly.
DEFAULT_PART_POWER = 8
DEFAULT_DEVICES = 3
# How often (seconds) a process looks whether the ring file changed.
RELOAD_EVERY = 1.0


def quorum(replicas: int) -> int:
    return replicas // 2 + 1


def default_ring(state_dir: Path, devices: int = DEFAULT_DEVICES) -> ring_builder.Ring:
    ring = ring_builder.create(DEFAULT_PART_POWER, min(3, devices), min_part_hours=0)
    for n in range(1, devices + 1):
        ring.add(f"d{n}", 100.0, zone=n, path=f"objects/d{n}")
    ring.rebalance()
    return ring


class RingDriver(ObjectDriver):
    name = "ring"
    replicated = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.state_dir = settings.state_dir
        self.ring_path = self.state_dir / RING_FILE
        self.mount_check = settings.object.mount_check
        # The storage node this process is (``nimbus agent object``): the ring's devices of
        # that node are its own disks; empty, the devices without a node are.
        self.node = settings.object.node
        self._node_key = node_key(self.state_dir)
        self._lock = threading.Lock()
        # Commits of concurrent PUTs' replicas; threads are made on demand, up to this many.
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="object-commit")
        self._mtime = -1.0
        self._checked = 0.0
        self.ring = self._load()
        self.devices: dict[int, Device] = {}
        self._index_devices()
        self.replicator = replication.Replicator(self)
        self.auditor = replication.Auditor(self)
        # A state dir the file driver wrote: its objects move into the ring, once.
        adopt.adopt_file_store(self.state_dir / "objects", self.ring,
                               lambda part: self.nodes(part)[0], quorum(self.ring.replicas))

    # -- the ring ------------------------------------------------------------------------

    def _load(self) -> ring_builder.Ring:
        if not self.ring_path.exists():
            self.state_dir.mkdir(parents=True, exist_ok=True)
            default_ring(self.state_dir).save(self.ring_path)
        self._mtime = self.ring_path.stat().st_mtime
        return ring_builder.load(self.ring_path)

    def _index_devices(self) -> None:
        devices: dict[int, Device] = {}
        for dev in self.ring.devices.values():
            if dev.node != self.node:
                # Another storage node's: reached over HTTP, kept if it was already known so
                # that what it learnt of the node's health stays.
                known = self.devices.get(dev.id)
                devices[dev.id] = (known if isinstance(known, RemoteDevice)
                                   and known.node == dev.node
                                   else RemoteDevice(dev.id, dev.name, dev.node, self._node_key))
                continue
            root = Path(dev.path or (f"objects/{dev.name}" if self.node else dev.name))
            devices[dev.id] = LocalDevice(dev.id, dev.name,
                                          root if root.is_absolute() else self.state_dir / root,
                                          self.mount_check)
        self.devices = devices

    def current(self) -> ring_builder.Ring:
        """The ring, read again when its file changed (a rebalance by ``nimbus manage``)."""
        now = time.monotonic()
        if now - self._checked >= RELOAD_EVERY:
            self._checked = now
            with contextlib.suppress(OSError), self._lock:
                if self.ring_path.stat().st_mtime != self._mtime:
                    self.ring = self._load()
                    self._index_devices()
        return self.ring

    def nodes(self, part: int) -> tuple[list[Device], list[Device]]:
        """The partition's primary devices and its handoffs, in the order they are tried."""
        ring = self.current()
        primaries: list[Device] = []
        for dev in ring.primaries(part):
            local = self.devices.get(dev.id)
            if local is not None and local not in primaries:
                primaries.append(local)
        handoffs = [self.devices[d.id] for d in ring.handoffs(part) if d.id in self.devices]
        return primaries, handoffs

    def _locate(self, account: str, container: str, obj: str, timestamp: str) -> tuple[
            Version, list[Device]]:
        name_hash = ring_builder.object_hash(account, container, obj)
        part = self.current().partition(name_hash)
        primaries, handoffs = self.nodes(part)
        return Version(part, name_hash, timestamp), primaries + handoffs

    # -- writes --------------------------------------------------------------------------

    def put(self, account: str, container: str, obj: str, chunks: Iterable[bytes],
            metadata: dict[str, Any], max_size: int) -> StoredObject:
        name_hash = ring_builder.object_hash(account, container, obj)
        part = self.current().partition(name_hash)
        primaries, handoffs = self.nodes(part)
        needed = quorum(self.ring.replicas)
        writers = self._writers(part, name_hash, primaries, handoffs)
        try:
            if len(writers) < needed:
                raise ServiceUnavailable(reason="Not enough storage devices to store the "
                                                "object; try again later.")
            md5 = hashlib.md5(usedforsecurity=False)
            size = 0
            for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise PayloadTooLarge(reason="Your request is too large.")
                md5.update(chunk)
                writers = _each(writers, methodcaller("write", chunk))
                if len(writers) < needed:
                    raise ServiceUnavailable(reason="Too many storage devices failed while "
                                                    "storing the object.")
            newest = max((ts for w in writers
                          for ts in w.device.timestamps(part, name_hash)), default=None)
            stored = StoredObject(md5.hexdigest(), size, timestamps.after(newest))
            record = {"account": account, "container": container, "name": obj,
                      "etag": stored.etag, "size": size, "timestamp": stored.timestamp,
                      "metadata": metadata}
            committed = self._commit_all(writers, stored.timestamp, record)
        except BaseException:
            for writer in writers:
                writer.abort()
            raise
        if len(committed) < needed:
            version = Version(part, name_hash, stored.timestamp)
            for writer in committed:
                writer.device.delete(version, tombstone=False)
            raise ServiceUnavailable(reason="Too many storage devices failed while storing "
                                            "the object.")
        return stored

    def _commit_all(self, writers: list[Writer], timestamp: str,
                    record: dict[str, Any]) -> list[Writer]:
        """Commit every replica at once: each waits on its own fsync (which lets go of the
        GIL), so a PUT waits for the slowest device rather than the sum of them."""
        futures = [(w, self._pool.submit(w.commit, timestamp, record)) for w in writers]
        committed: list[Writer] = []
        for writer, future in futures:
            try:
                future.result()
            except OSError:
                writer.abort()
                continue
            committed.append(writer)
        return committed

    def _writers(self, part: int, name_hash: str, primaries: list[Device],
                 handoffs: list[Device]) -> list[Writer]:
        """One writer per replica: each primary, or in its place the next handoff that works."""
        spare = iter(handoffs)
        writers: list[Writer] = []
        for device in primaries[:self.ring.replicas]:
            candidate: Device | None = device
            while candidate is not None:
                try:
                    writers.append(candidate.writer(part, name_hash))
                    break
                except OSError:
                    candidate = next(spare, None)
        return writers

    def set_metadata(self, account: str, container: str, obj: str, timestamp: str,
                     metadata: dict[str, Any]) -> None:
        version, devices = self._locate(account, container, obj, timestamp)
        for device in devices:
            with contextlib.suppress(OSError, ValueError):
                record = device.record(version)
                device.set_record(version, {**record, "metadata": metadata})

    def delete(self, account: str, container: str, obj: str, timestamp: str) -> None:
        version, devices = self._locate(account, container, obj, timestamp)
        primaries = set(self.nodes(version.part)[0])
        for device in devices:
            if device in primaries or device.has(version):
                device.delete(version)

    # -- reads ---------------------------------------------------------------------------

    def _open(self, account: str, container: str, obj: str, timestamp: str,
              start: int = 0) -> tuple[Device, Version, IO[bytes], dict[str, Any]]:
        version, devices = self._locate(account, container, obj, timestamp)
        for device in devices:
            if device.tombstoned(version):
                break  # removed: an older copy elsewhere must not come back
            try:
                fh, record = device.open(version, start)
            except (OSError, ValueError, KeyError):
                continue
            return device, version, fh, record
        raise NotFound(resource="object", id=obj)

    def get(self, account: str, container: str, obj: str, timestamp: str,
            start: int = 0, end: int | None = None) -> Iterator[bytes]:
        device, version, fh, record = self._open(account, container, obj, timestamp, start)
        whole = start == 0 and (end is None or end >= record["size"])
        return _read(fh, None if end is None else end - start,
                     (device, version, record["etag"]) if whole else None)

    def head(self, account: str, container: str, obj: str, timestamp: str) -> dict[str, Any]:
        _device, _version, fh, record = self._open(account, container, obj, timestamp)
        fh.close()
        return {**record["metadata"], "etag": record["etag"], "size": record["size"],
                "timestamp": record["timestamp"]}

    def list(self, account: str | None = None) -> Iterator[tuple[str, str, str, str]]:
        seen: set[Version] = set()
        # A storage node lists its own disks; a proxy without any has nothing to audit.
        for device in list(self.devices.values()):
            if not device.local:
                continue
            for part in device.partitions():
                for version in device.versions(part):
                    if version in seen or not device.has(version):
                        continue
                    with contextlib.suppress(OSError, ValueError):
                        record = device.record(version)
                        seen.add(version)
                        if account is None or record["account"] == account:
                            yield (record["account"], record["container"], record["name"],
                                   record["timestamp"])

    # -- upkeep --------------------------------------------------------------------------

    def discard_partial(self, older_than: float) -> int:
        return sum(d.discard_partial(older_than) for d in list(self.devices.values())
                   if d.local)

    def replicate_pass(self, limit: int) -> int:
        return self.replicator.run_pass(limit)

    def audit_pass(self, limit: int) -> int:
        return self.auditor.run_pass(limit)

    def health(self) -> dict[str, Any]:
        ring = self.current()
        return {"driver": self.name, "replicas": ring.replicas, "part_power": ring.part_power,
                "devices": [{"name": d.name, "available": d.available(), "path": d.location()}
                            for d in self.devices.values()],
                "replica_counts": self.replicator.replica_counts,
                "quarantined": self.auditor.quarantined}


def _each(writers: list[Writer], step: Callable[[Writer], Any]) -> list[Writer]:
    """Apply ``step`` to each writer; those that fail are aborted and left out."""
    kept: list[Writer] = []
    for writer in writers:
        try:
            step(writer)
        except OSError:
            writer.abort()
            continue
        kept.append(writer)
    return kept


def _read(fh: IO[bytes], remaining: int | None,
          check: tuple[Device, Version, str] | None) -> Iterator[bytes]:
    """Stream a copy; when it is read whole, its md5 is checked on the way and a copy that does
    not match is quarantined, so the next read (and the replicator) uses a good one."""
    md5 = hashlib.md5(usedforsecurity=False) if check is not None else None
    try:
        while remaining is None or remaining > 0:
            chunk = fh.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            if md5 is not None:
                md5.update(chunk)
            yield chunk
        if check is not None and md5 is not None and md5.hexdigest() != check[2]:
            check[0].quarantine(check[1])
    finally:
        fh.close()


DRIVER = RingDriver
