"""Objects as files under ``<state_dir>/objects``: one ``<timestamp>.data`` per version.

Each object gets a directory named by a hash of its full path (fanned out by the hash's last three
characters, so no directory grows huge); each version is written to a temporary file, flushed,
and renamed into place, so a reader never sees half a version. The metadata lives beside it in
``<timestamp>.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from nimbus.conf.settings import Settings
from nimbus.core.errors import NotFound, PayloadTooLarge
from nimbus.object.drivers import timestamps
from nimbus.object.drivers.base import CHUNK_SIZE, ObjectDriver, StoredObject


def path_hash(account: str, container: str, obj: str) -> str:
    return hashlib.sha256(f"/{account}/{container}/{obj}".encode()).hexdigest()


class FileDriver(ObjectDriver):
    name = "file"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.root = settings.state_dir / "objects"
        self.data_dir = self.root / "data"
        self.tmp_dir = self.root / "tmp"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def _dir(self, account: str, container: str, obj: str) -> Path:
        digest = path_hash(account, container, obj)
        return self.data_dir / digest[-3:] / digest

    def put(self, account: str, container: str, obj: str, chunks: Iterable[bytes],
            metadata: dict[str, Any], max_size: int) -> StoredObject:
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_size:
                        raise PayloadTooLarge(reason="Your request is too large.")
                    md5.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            directory = self._dir(account, container, obj)
            directory.mkdir(parents=True, exist_ok=True)
            timestamp = timestamps.after(self._newest(directory))
            stored = StoredObject(md5.hexdigest(), size, timestamp)
            self._write_meta(directory / f"{timestamp}.json", account, container, obj, stored,
                             metadata)
            os.replace(tmp_name, directory / f"{timestamp}.data")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        return stored

    @staticmethod
    def _newest(directory: Path) -> str | None:
        versions = sorted(p.stem for p in directory.glob("*.data"))
        return versions[-1] if versions else None

    def _write_meta(self, path: Path, account: str, container: str, obj: str,
                    stored: StoredObject, metadata: dict[str, Any]) -> None:
        record = {"account": account, "container": container, "name": obj,
                  "etag": stored.etag, "size": stored.size, "timestamp": stored.timestamp,
                  "metadata": metadata}
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        os.replace(tmp_name, path)

    def _open(self, account: str, container: str, obj: str, timestamp: str) -> IO[bytes]:
        path = self._dir(account, container, obj) / f"{timestamp}.data"
        try:
            return open(path, "rb")  # noqa: SIM115 - the iterator below closes it
        except FileNotFoundError:
            raise NotFound(resource="object", id=obj) from None

    def get(self, account: str, container: str, obj: str, timestamp: str,
            start: int = 0, end: int | None = None) -> Iterator[bytes]:
        fh = self._open(account, container, obj, timestamp)
        fh.seek(start)
        return _read(fh, None if end is None else end - start)

    def head(self, account: str, container: str, obj: str, timestamp: str) -> dict[str, Any]:
        path = self._dir(account, container, obj) / f"{timestamp}.json"
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            raise NotFound(resource="object", id=obj) from None
        return {**record["metadata"], "etag": record["etag"], "size": record["size"],
                "timestamp": record["timestamp"]}

    def set_metadata(self, account: str, container: str, obj: str, timestamp: str,
                     metadata: dict[str, Any]) -> None:
        path = self._dir(account, container, obj) / f"{timestamp}.json"
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            return
        stored = StoredObject(record["etag"], record["size"], record["timestamp"])
        self._write_meta(path, account, container, obj, stored, metadata)

    def delete(self, account: str, container: str, obj: str, timestamp: str) -> None:
        directory = self._dir(account, container, obj)
        for suffix in (".data", ".json"):
            with contextlib.suppress(FileNotFoundError):
                (directory / f"{timestamp}{suffix}").unlink()
        with contextlib.suppress(OSError):
            directory.rmdir()  # only succeeds once no version is left

    def list(self, account: str | None = None) -> Iterator[tuple[str, str, str, str]]:
        for meta_path in self.data_dir.glob("*/*/*.json"):
            try:
                record = json.loads(meta_path.read_text())
            except (OSError, ValueError):
                continue
            if account is None or record["account"] == account:
                yield record["account"], record["container"], record["name"], record["timestamp"]

    def discard_partial(self, older_than: float) -> int:
        """Temporary files no write has touched since ``older_than``: a write in progress
        keeps its own fresh, so only those a stopped process left are old."""
        removed = 0
        for path in self.tmp_dir.iterdir():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < older_than:
                    path.unlink()
                    removed += 1
        return removed

    def health(self) -> dict[str, Any]:
        return {"driver": self.name, "root": str(self.root)}


def _read(fh: IO[bytes], remaining: int | None) -> Iterator[bytes]:
    try:
        while remaining is None or remaining > 0:
            size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
            chunk = fh.read(size)
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
    finally:
        fh.close()


DRIVER = FileDriver
