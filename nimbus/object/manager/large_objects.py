"""Dynamic large objects (``X-Object-Manifest: <container>/<prefix>``): one object read as the
concatenation of its segments, the live objects whose names start with the prefix."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from urllib.parse import unquote

from nimbus.core.db.engine import Database
from nimbus.object.db import containers, objects
from nimbus.object.drivers.base import ObjectDriver
from nimbus.object.manager import expiry
from nimbus.object.manager.records import ObjectInfo, object_info
from nimbus.object.manager.static_large import StaticLargeObjects, is_static


class LargeObjects:
    def __init__(self, db: Database, driver: ObjectDriver) -> None:
        self.db = db
        self.driver = driver
        self.static = StaticLargeObjects(db, driver)

    def resolve(self, info: ObjectInfo) -> ObjectInfo:
        """A dynamic large object as clients see it: its segments' bytes, size and etag.

        The segments are the live objects named ``<prefix>...`` in the manifest's container, in
        name order; the etag is the MD5 of their etags joined, as Swift computes it.
        """
        if is_static(info):
            return self.static.resolve(info)
        if info.manifest is None:
            return info
        container, _, prefix = info.manifest.partition("/")
        container, prefix = unquote(container), unquote(prefix)
        with self.db.reader() as session:
            cont = containers.find(session, info.account, container)
            rows = [] if cont is None else objects.with_prefix(session, cont.id, prefix,
                                                                 expiry.now())
            segments = [object_info(info.account, container, row) for row in rows]
        digest = hashlib.md5(usedforsecurity=False)
        for seg in segments:
            digest.update(seg.etag.encode())
        return dataclasses.replace(info, size=sum(seg.size for seg in segments),
                                   etag=digest.hexdigest(), segments=segments)

    def read(self, segments: list[ObjectInfo], start: int, end: int) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the segments read one after the other."""
        offset = 0
        for seg in segments:
            lo, hi = max(start - offset, 0), min(end - offset, seg.size)
            if lo < hi:
                yield from self.driver.get(seg.account, seg.container, seg.name, seg.data_ts,
                                           seg.offset + lo, seg.offset + hi)
            offset += seg.size
            if offset >= end:
                return
