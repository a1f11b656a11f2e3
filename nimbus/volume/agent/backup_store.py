"""A backup's data in the object store: chunks, and a manifest that names them.

A backup lives under its own prefix (``db.backups.prefix_of``) in its container.
The volume's data is cut into chunks of ``chunk_size`` bytes; each chunk that is not all zeros is
one object (``<prefix>/chunk-<index>``, zlib-compressed), and ``<prefix>/manifest.json`` names, for
every such chunk, its SHA-256 and the object that holds it. A full backup stores every non-zero
chunk. An incremental one compares each chunk's hash with its parent's manifest and stores only
the chunks that changed; for the others its manifest names the parent's object (which the
parent had from its own parent, perhaps), so a restore reads the whole chain through one
manifest, and a backup with dependants is never deleted (Cinder's rule). Chunks missing from a
manifest are zeros, and are written as such.

The manifest also keeps what a restore gives the volume back besides its data (its metadata, its
image metadata), and is written last: a backup without one was never finished.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from nimbus.core.errors import NimbusError
from nimbus.volume.db.backups import PREFIX
from nimbus.volume.drivers.base import all_zero

LOG = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = "nimbus-chunked-1"
Manifest = dict[str, Any]


class ObjectStore(Protocol):
    """What is used of ``nimbus.clients.object.ObjectClient``."""

    def ensure_container(self, container: str) -> None: ...

    def put_object(self, container: str, name: str, chunks: Iterable[bytes],
                   content_type: str = "application/octet-stream") -> dict[str, str]: ...

    def get_object(self, container: str, name: str,
                   byte_range: tuple[int, int | None] | None = None) -> Iterator[bytes]: ...

    def delete_object(self, container: str, name: str) -> None: ...

    def list_objects(self, container: str, prefix: str = "") -> list[str]: ...


class BackupDataError(Exception):
    """The backup's data cannot be stored or read back; ``reason`` is safe to show its owner
    (the object store's status, never its body or a path)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _store_failed(action: str, exc: Exception) -> BackupDataError:
    code = exc.code if isinstance(exc, NimbusError) else None
    LOG.warning("the object store failed to %s: %s", action, exc)
    return BackupDataError(f"The object store failed to {action}"
                           + (f" (HTTP {code})." if code else "."))


class ChunkStore:
    def __init__(self, objects: ObjectStore, chunk_size: int) -> None:
        if chunk_size <= 0:
            raise ValueError("the backup chunk size must be positive")
        self.objects = objects
        self.chunk_size = chunk_size

    # -- writing ------------------------------------------------------------------------------
    def write(self, container: str, prefix: str, data: Iterable[bytes],
              parent: Manifest | None, header: dict[str, Any]) -> Manifest:
        """Store ``data`` (the volume's chunks, in order, of ``chunk_size`` bytes) under
        ``prefix``; the manifest written last. Chunks the same as the ``parent``'s (same size,
        same hash) are not stored again. What was stored is deleted when this fails."""
        _check_prefix(prefix)
        # A parent cut in other sizes has no chunk to share with this backup.
        inherited: dict[str, Any] = (parent.get("chunks", {}) if parent is not None and
                                     parent.get("chunk_size") == self.chunk_size else {})
        try:
            self.objects.ensure_container(container)
        except Exception as exc:
            raise _store_failed("create the backup container", exc) from None
        chunks: dict[str, dict[str, Any]] = {}
        stored = 0
        length = 0
        try:
            for index, chunk in enumerate(data):
                length += len(chunk)
                if all_zero(chunk):
                    continue
                digest = hashlib.sha256(chunk).hexdigest()
                known = inherited.get(str(index))
                if known and known.get("sha256") == digest and known.get("length") == len(chunk):
                    chunks[str(index)] = dict(known)
                    continue
                name = f"{prefix}/chunk-{index:08d}"
                self._put(container, name, zlib.compress(chunk, 1))
                chunks[str(index)] = {"container": container, "object": name,
                                      "sha256": digest, "length": len(chunk)}
                stored += 1
            manifest: Manifest = {**header, "format": FORMAT, "chunk_size": self.chunk_size,
                                  "length": length, "compression": "zlib",
                                  "objects": stored + 1, "chunks": chunks}
            self._put(container, f"{prefix}/{MANIFEST}",
                      json.dumps(manifest, sort_keys=True).encode(), "application/json")
        except BaseException:
            self.delete(container, prefix, quiet=True)
            raise
        return manifest

    def _put(self, container: str, name: str, body: bytes,
             content_type: str = "application/octet-stream") -> None:
        try:
            self.objects.put_object(container, name, [body], content_type)
        except Exception as exc:
            raise _store_failed("store the backup data", exc) from None

    # -- reading ------------------------------------------------------------------------------
    def manifest(self, container: str, prefix: str) -> Manifest:
        """The backup's manifest; ``BackupDataError`` when it is missing or not ours."""
        _check_prefix(prefix)
        try:
            body = b"".join(self.objects.get_object(container, f"{prefix}/{MANIFEST}"))
        except Exception as exc:
            raise _store_failed("read the backup's manifest", exc) from None
        try:
            manifest = json.loads(body)
        except ValueError:
            raise BackupDataError("The backup's manifest is not valid JSON.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or \
                not isinstance(manifest.get("chunks"), dict):
            raise BackupDataError("The backup's manifest is not one this cloud wrote.")
        return manifest

    def read(self, manifest: Manifest) -> Iterator[bytes]:
        """The backup's data, chunk by chunk, each checked against its hash."""
        size = int(manifest["chunk_size"])
        length = int(manifest["length"])
        chunks: dict[str, Any] = manifest["chunks"]
        for index, offset in enumerate(range(0, length, size)):
            want = min(size, length - offset)
            entry = chunks.get(str(index))
            if entry is None:
                yield bytes(want)
                continue
            yield self._chunk(entry, want)

    def _chunk(self, entry: dict[str, Any], want: int) -> bytes:
        try:
            body = b"".join(self.objects.get_object(str(entry["container"]),
                                                    str(entry["object"])))
        except Exception as exc:
            raise _store_failed("read a chunk of the backup", exc) from None
        inflate = zlib.decompressobj()
        try:
            # Never more than the chunk's own size, whatever the object holds.
            data = inflate.decompress(body, want + 1)
        except zlib.error:
            raise BackupDataError("A chunk of the backup is damaged.") from None
        if len(data) != want or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise BackupDataError("A chunk of the backup does not match its hash.")
        return data

    # -- deleting -----------------------------------------------------------------------------
    def delete(self, container: str, prefix: str, quiet: bool = False) -> int:
        """Delete every object under ``prefix``, the manifest last (a deletion cut short leaves
        a manifest, so it is tried again); how many there were."""
        _check_prefix(prefix)
        try:
            names = self.objects.list_objects(container, f"{prefix}/")
            names.sort(key=lambda name: name.endswith(f"/{MANIFEST}"))
            for name in names:
                self.objects.delete_object(container, name)
        except Exception as exc:
            if quiet:
                LOG.warning("objects of the unfinished backup %s/%s were left behind: %s",
                            container, prefix, exc)
                return 0
            raise _store_failed("delete the backup data", exc) from None
        return len(names)


def _check_prefix(prefix: str) -> None:
    if not PREFIX.match(prefix):
        raise BackupDataError("The backup names no data of this cloud.")
