"""Static large objects: a manifest (stored as the object's bytes) that names its segments
exactly, each by path, etag and size, optionally a byte range of it, or another manifest.

The index lists a manifest with its segments' total size and Swift's etag for the whole (the
MD5 of the segments' etags, a ranged one as ``<etag>:<range>;``); the stored JSON's own size and
MD5 are kept in the object's system metadata for ``?multipart-manifest=get``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict
from nimbus.object.db import containers, objects
from nimbus.object.drivers.base import ObjectDriver
from nimbus.object.manager import expiry
from nimbus.object.manager.records import ObjectInfo, object_info
from nimbus.object.schemas.slo import (
    MANIFEST_ETAG,
    MANIFEST_SIZE,
    MIN_SEGMENT_SIZE,
    SLO,
    ManifestError,
    SegmentSpec,
    parse_range,
)

# How deep manifests may nest (Swift's default); a deeper GET is refused.
MAX_DEPTH = 10


@dataclass(frozen=True)
class Manifest:
    """What a manifest PUT stores: the JSON, the whole's etag and size."""

    body: bytes
    etag: str
    size: int


def is_static(info: ObjectInfo) -> bool:
    return info.sysmeta.get(SLO) == "True"


def _modified(stamp: str) -> str:
    return dt.datetime.fromtimestamp(float(stamp), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def whole_etag(entries: list[dict[str, Any]]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for entry in entries:
        if entry.get("range"):
            digest.update(f"{entry['hash']}:{entry['range']};".encode())
        else:
            digest.update(str(entry["hash"]).encode())
    return digest.hexdigest()


def entry_length(entry: dict[str, Any]) -> int:
    size = int(entry["bytes"])
    if entry.get("range"):
        bounds = parse_range(str(entry["range"]), size)
        return 0 if bounds is None else bounds[1] - bounds[0]
    return size


class StaticLargeObjects:
    def __init__(self, db: Database, driver: ObjectDriver) -> None:
        self.db = db
        self.driver = driver

    def _find(self, account: str, container: str, name: str) -> ObjectInfo | None:
        with self.db.reader() as tx:
            cont = containers.find(tx, account, container)
            row = None if cont is None else objects.find(tx, cont.id, name)
            if row is None or expiry.expired(row.delete_at):
                return None
            return object_info(account, container, row)

    def build(self, account: str, specs: list[SegmentSpec]) -> Manifest:
        """The manifest of ``specs`` once each segment is checked against what is stored;
        ``ManifestError`` (Swift's list of problem segments) otherwise."""
        problems: list[tuple[str, str]] = []
        entries: list[dict[str, Any]] = []
        for spec in specs:
            found = self._find(account, spec.container, spec.name)
            if found is None:
                problems.append((spec.path, "404 Not Found"))
                continue
            if spec.etag is not None and spec.etag.strip('"').lower() != found.etag:
                problems.append((spec.path, "Etag Mismatch"))
            if spec.size is not None and spec.size != found.size:
                problems.append((spec.path, "Size Mismatch"))
            entry: dict[str, Any] = {"name": spec.path, "bytes": found.size, "hash": found.etag,
                                     "content_type": found.content_type,
                                     "last_modified": _modified(found.meta_ts)}
            if is_static(found):
                entry["sub_slo"] = True
            if spec.range is not None:
                bounds = parse_range(spec.range, found.size)
                if bounds is None:
                    problems.append((spec.path, "Unsatisfiable Range"))
                    continue
                entry["range"] = f"{bounds[0]}-{bounds[1] - 1}"
            if entry_length(entry) < MIN_SEGMENT_SIZE:
                problems.append((spec.path,
                                 f"Too small; each segment must be at least "
                                 f"{MIN_SEGMENT_SIZE} byte."))
            entries.append(entry)
        if problems:
            raise ManifestError(400, "Errors:\n" + "".join(f"{p}, {why}\n" for p, why in problems))
        body = json.dumps(entries).encode()
        return Manifest(body, whole_etag(entries), sum(entry_length(e) for e in entries))

    def entries(self, info: ObjectInfo) -> list[dict[str, Any]]:
        """The manifest's stored segment list."""
        data = b"".join(self.driver.get(info.account, info.container, info.name, info.data_ts))
        loaded = json.loads(data)
        return loaded if isinstance(loaded, list) else []

    def raw_size(self, info: ObjectInfo) -> tuple[int, str]:
        """The stored JSON's size and MD5 (what ``multipart-manifest=get`` answers)."""
        return int(info.sysmeta.get(MANIFEST_SIZE, "0")), info.sysmeta.get(MANIFEST_ETAG, "")

    def resolve(self, info: ObjectInfo, depth: int = 1) -> ObjectInfo:
        """The manifest as clients read it: its segments, flattened, with offsets and sizes."""
        if depth > MAX_DEPTH:
            raise Conflict(f"Max recursion depth exceeded on GET: {depth}")
        segments: list[ObjectInfo] = []
        for entry in self.entries(info):
            container, _, name = str(entry["name"]).lstrip("/").partition("/")
            found = self._find(info.account, container, name)
            if found is None or found.etag != entry["hash"] and not entry.get("sub_slo"):
                raise Conflict("Object segment no longer valid")
            parts = [found]
            if is_static(found):
                parts = self.resolve(found, depth + 1).segments or []
            elif found.manifest is not None:
                raise Conflict("Object segment no longer valid")
            size = sum(part.size for part in parts)
            bounds = (0, size)
            if entry.get("range"):
                bounds = parse_range(str(entry["range"]), size) or (0, 0)
            segments.extend(_slice(parts, *bounds))
        return dataclasses.replace(info, segments=segments,
                                   size=sum(seg.size for seg in segments))

    def segment_paths(self, info: ObjectInfo, depth: int = 1) -> Iterator[tuple[str, str]]:
        """Every (container, object) a manifest delete removes: its segments, and those of the
        manifests it names before those manifests themselves."""
        if depth > MAX_DEPTH:
            return
        for entry in self.entries(info):
            container, _, name = str(entry["name"]).lstrip("/").partition("/")
            if entry.get("sub_slo"):
                found = self._find(info.account, container, name)
                if found is not None and is_static(found):
                    yield from self.segment_paths(found, depth + 1)
            yield container, name


def _slice(parts: list[ObjectInfo], start: int, end: int) -> Iterator[ObjectInfo]:
    """The pieces of ``parts`` (read one after the other) that cover bytes ``[start, end)``."""
    offset = 0
    for part in parts:
        lo, hi = max(start - offset, 0), min(end - offset, part.size)
        if lo < hi:
            yield dataclasses.replace(part, offset=part.offset + lo, size=hi - lo)
        offset += part.size
