"""One storage device of the ring: Swift's on-disk layout under the device's directory.

``objects/<partition>/<hash[-3:]>/<hash>/<timestamp>.data`` holds a version's bytes and
``<timestamp>.json`` the metadata it was stored with (the md5 among it, for the auditor). A
removed version leaves ``<timestamp>.ts``, a tombstone, so that replication does not bring back
from a device that was away what was removed meanwhile. Writes go to ``tmp/`` and are renamed
into place; a copy the auditor finds bad is moved to ``quarantined/objects/``.

``Device`` is what the proxy, replicator and auditor use of any device; ``LocalDevice`` is one
on this machine, ``remote_device.RemoteDevice`` one served by a storage node.

With ``mount_check`` a device whose directory is missing is unmounted: nothing is written to it
and its partitions go to handoffs, as Swift treats a disk that is not mounted. Without it (a
single machine's directories, Swift's all-in-one setup) a missing directory is an empty device,
created again by the next write, as a replaced disk is.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from nimbus.object.drivers.base import CHUNK_SIZE


class DeviceUnavailable(OSError):
    """The device cannot take or serve this request (unmounted, or an I/O error)."""


class Quarantined(FileNotFoundError):
    """The copy was found damaged and moved aside: for the caller, it is not there."""


@dataclass(frozen=True)
class Version:
    part: int
    name_hash: str
    timestamp: str


class Writer(abc.ABC):
    """One replica of a PUT in progress: ``write`` every chunk, then ``commit`` it under the
    version's timestamp (known only once the whole body is in), or ``abort``."""

    device: Device

    @abc.abstractmethod
    def write(self, chunk: bytes) -> None: ...

    @abc.abstractmethod
    def commit(self, timestamp: str, record: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def abort(self) -> None: ...


class Device(abc.ABC):
    """One device of the ring as the proxy, replicator and auditor see it: on this machine
    (``LocalDevice``) or on a storage node (``remote_device.RemoteDevice``). Any method may raise
    ``OSError`` when the device cannot answer; a missing version is ``FileNotFoundError``."""

    id: int
    name: str
    #: its files are on this machine: this process audits them and replicates from them
    local: bool = True

    @abc.abstractmethod
    def location(self) -> str:
        """Where the device is, for /health and logs."""

    @abc.abstractmethod
    def available(self) -> bool: ...

    @abc.abstractmethod
    def writer(self, part: int, name_hash: str) -> Writer: ...

    @abc.abstractmethod
    def timestamps(self, part: int, name_hash: str) -> list[str]:
        """The versions (data or tombstone) this device has of one object."""

    @abc.abstractmethod
    def record(self, version: Version) -> dict[str, Any]:
        """The metadata kept beside a version; ``FileNotFoundError`` when it is not here."""

    @abc.abstractmethod
    def open(self, version: Version, start: int = 0) -> tuple[IO[bytes], dict[str, Any]]:
        """The version's bytes from ``start`` on, and its record."""

    @abc.abstractmethod
    def has(self, version: Version) -> bool: ...

    @abc.abstractmethod
    def tombstoned(self, version: Version) -> bool: ...

    @abc.abstractmethod
    def set_record(self, version: Version, record: dict[str, Any]) -> bool: ...

    @abc.abstractmethod
    def delete(self, version: Version, tombstone: bool = True) -> None: ...

    @abc.abstractmethod
    def reclaim(self, version: Version) -> None: ...

    @abc.abstractmethod
    def tombstone_age(self, version: Version) -> float: ...

    @abc.abstractmethod
    def quarantine(self, version: Version) -> None: ...

    @abc.abstractmethod
    def verify(self, version: Version) -> bool:
        """Read the whole copy and compare its md5 with the one recorded."""

    @abc.abstractmethod
    def partitions(self) -> list[int]: ...

    @abc.abstractmethod
    def versions(self, part: int) -> Iterator[Version]: ...

    @abc.abstractmethod
    def forget_partition(self, part: int) -> None:
        """Drop the partition's directory when nothing is left in it."""

    @abc.abstractmethod
    def discard_partial(self, older_than: float) -> int: ...

    def copy_to(self, version: Version, other: Device) -> None:
        """Give ``other`` this device's copy of ``version`` (bytes, then the record)."""
        fh, record = self.open(version)
        writer = other.writer(version.part, version.name_hash)
        try:
            with fh:
                while chunk := fh.read(CHUNK_SIZE):
                    writer.write(chunk)
            writer.commit(version.timestamp, record)
        except BaseException:
            writer.abort()
            raise


class FileWriter(Writer):
    """A replica into a temporary file on this machine, renamed into place on commit."""

    def __init__(self, device: LocalDevice, version_dir: Path) -> None:
        self.device = device
        self.local = device
        self.version_dir = version_dir
        fd, name = tempfile.mkstemp(dir=device.tmp_dir, suffix=".tmp")
        self.tmp = Path(name)
        self.fh: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.fh.write(chunk)

    def commit(self, timestamp: str, record: dict[str, Any]) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        self.version_dir.mkdir(parents=True, exist_ok=True)
        self.local.write_record(self.version_dir / f"{timestamp}.json", record)
        os.replace(self.tmp, self.version_dir / f"{timestamp}.data")

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.fh.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


class LocalDevice(Device):
    def __init__(self, dev_id: int, name: str, root: Path, mount_check: bool) -> None:
        self.id = dev_id
        self.name = name
        self.root = root
        self.mount_check = mount_check

    def location(self) -> str:
        return str(self.root)

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    @property
    def objects_dir(self) -> Path:
        return self.root / "objects"

    def available(self) -> bool:
        return self.root.is_dir() or not self.mount_check

    def _ready(self) -> None:
        if not self.available():
            raise DeviceUnavailable(f"device {self.name} is not mounted")
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def hash_dir(self, part: int, name_hash: str) -> Path:
        return self.objects_dir / str(part) / name_hash[-3:] / name_hash

    # -- one version ---------------------------------------------------------------------

    def writer(self, part: int, name_hash: str) -> Writer:
        self._ready()
        return FileWriter(self, self.hash_dir(part, name_hash))

    def write_record(self, path: Path, record: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.tmp_dir, suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        os.replace(tmp, path)

    def timestamps(self, part: int, name_hash: str) -> list[str]:
        try:
            names = os.listdir(self.hash_dir(part, name_hash))
        except OSError:
            return []
        return sorted({n.rsplit(".", 1)[0] for n in names if n.endswith((".data", ".ts"))})

    def record(self, version: Version) -> dict[str, Any]:
        path = self._file(version, ".json")
        if not self._file(version, ".data").exists():
            raise FileNotFoundError(path)
        result: dict[str, Any] = json.loads(path.read_text())
        return result

    def open(self, version: Version, start: int = 0) -> tuple[IO[bytes], dict[str, Any]]:
        """A copy whose size is not the recorded one is quarantined at once (a truncated
        write or a damaged disk) and reported missing."""
        record = self.record(version)
        path = self.hash_dir(version.part, version.name_hash) / f"{version.timestamp}.data"
        fh = open(path, "rb")  # noqa: SIM115 - the caller's iterator closes it
        if os.fstat(fh.fileno()).st_size != record["size"]:
            fh.close()
            self.quarantine(version)
            raise Quarantined(path)
        fh.seek(start)
        return fh, record

    def has(self, version: Version) -> bool:
        return self._file(version, ".data").exists() and self._file(version, ".json").exists()

    def tombstoned(self, version: Version) -> bool:
        return self._file(version, ".ts").exists()

    def _file(self, version: Version, suffix: str) -> Path:
        # Not Path.with_suffix: a timestamp has a dot of its own.
        return self.hash_dir(version.part, version.name_hash) / f"{version.timestamp}{suffix}"

    def set_record(self, version: Version, record: dict[str, Any]) -> bool:
        if not self.has(version):
            return False
        path = self.hash_dir(version.part, version.name_hash) / f"{version.timestamp}.json"
        self.write_record(path, record)
        return True

    def delete(self, version: Version, tombstone: bool = True) -> None:
        """Drop a version's files, leaving a tombstone (when the device can take one)."""
        directory = self.hash_dir(version.part, version.name_hash)
        if tombstone and self.available():
            with contextlib.suppress(OSError):
                directory.mkdir(parents=True, exist_ok=True)
                (directory / f"{version.timestamp}.ts").touch()
        for suffix in (".data", ".json"):
            with contextlib.suppress(FileNotFoundError):
                (directory / f"{version.timestamp}{suffix}").unlink()
        self._prune(directory)

    def reclaim(self, version: Version) -> None:
        directory = self.hash_dir(version.part, version.name_hash)
        with contextlib.suppress(FileNotFoundError):
            (directory / f"{version.timestamp}.ts").unlink()
        self._prune(directory)

    def tombstone_age(self, version: Version) -> float:
        path = self.hash_dir(version.part, version.name_hash) / f"{version.timestamp}.ts"
        try:
            return time.time() - path.stat().st_mtime
        except OSError:
            return 0.0

    @staticmethod
    def _prune(directory: Path) -> None:
        # Each rmdir only succeeds once the directory is empty: hash, suffix, partition.
        for level in (directory, directory.parent, directory.parent.parent):
            try:
                level.rmdir()
            except OSError:
                return

    def quarantine(self, version: Version) -> None:
        """Move a bad copy aside (kept for an operator to look at); replication replaces it."""
        directory = self.hash_dir(version.part, version.name_hash)
        target = self.root / "quarantined" / "objects" / f"{version.name_hash}-{version.timestamp}"
        target.mkdir(parents=True, exist_ok=True)
        for suffix in (".data", ".json"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(directory / f"{version.timestamp}{suffix}",
                           target / f"{version.timestamp}{suffix}")
        self._prune(directory)

    def verify(self, version: Version) -> bool:
        fh, record = self.open(version)
        md5 = hashlib.md5(usedforsecurity=False)
        with fh:
            while chunk := fh.read(CHUNK_SIZE):
                md5.update(chunk)
        return md5.hexdigest() == record["etag"]

    # -- walking -------------------------------------------------------------------------

    def partitions(self) -> list[int]:
        try:
            return sorted(int(p) for p in os.listdir(self.objects_dir) if p.isdigit())
        except OSError:
            return []

    def hashes(self, part: int) -> Iterator[str]:
        base = self.objects_dir / str(part)
        try:
            suffixes = os.listdir(base)
        except OSError:
            return
        for suffix in suffixes:
            with contextlib.suppress(OSError):
                yield from os.listdir(base / suffix)

    def versions(self, part: int) -> Iterator[Version]:
        for name_hash in self.hashes(part):
            for timestamp in self.timestamps(part, name_hash):
                yield Version(part, name_hash, timestamp)

    def forget_partition(self, part: int) -> None:
        with contextlib.suppress(OSError):
            (self.objects_dir / str(part)).rmdir()

    def discard_partial(self, older_than: float) -> int:
        removed = 0
        with contextlib.suppress(OSError):
            for path in self.tmp_dir.iterdir():
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < older_than:
                        path.unlink()
                        removed += 1
        return removed

    def wipe(self) -> None:
        """For tests and operators: as if the disk were replaced by an empty one."""
        shutil.rmtree(self.root, ignore_errors=True)
