"""The rules for objects: bytes go to the driver first, then the index records the new version.

Writing the bytes before the index means a reader never finds an index entry without bytes; the
version the index no longer names is dropped from the driver only after the index commits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound
from nimbus.object import timeutil
from nimbus.object.db.models import Account, Container, Object
from nimbus.object.drivers.base import ObjectDriver, StoredObject
from nimbus.object.errors import PreconditionFailed, UnprocessableEntity
from nimbus.object.schemas.constraints import MAX_FILE_SIZE


@dataclass
class ObjectInfo:
    account: str
    container: str
    name: str
    etag: str
    size: int
    content_type: str
    data_ts: str
    meta_ts: str
    meta: dict[str, str] = field(default_factory=dict)
    delete_at: int | None = None
    manifest: str | None = None
    #: For a dynamic large object once resolved: its segments, in name order.
    segments: list[ObjectInfo] | None = None


@dataclass
class PutRequest:
    """What a PUT carries besides its bytes."""

    content_type: str
    meta: dict[str, str]
    expected_etag: str | None = None
    if_none_match: bool = False
    delete_at: int | None = None
    manifest: str | None = None


def name_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _info(account: str, container: str, row: Object) -> ObjectInfo:
    return ObjectInfo(account, container, row.name, row.etag, row.size, row.content_type,
                      row.data_ts, row.meta_ts, dict(row.meta or {}), row.delete_at, row.manifest)


def live() -> ColumnElement[bool]:
    """Objects whose X-Delete-At has not passed: the expired ones no longer exist for clients."""
    return or_(Object.delete_at.is_(None), Object.delete_at > int(time.time()))


def expired(row: Object) -> bool:
    return row.delete_at is not None and row.delete_at <= time.time()


class ObjectManager:
    def __init__(self, db: Database, driver: ObjectDriver) -> None:
        self.db = db
        self.driver = driver

    @staticmethod
    def _container(session: Session, account: str, container: str) -> Container:
        row = session.scalars(
            select(Container).join(Account, Container.account_id == Account.id)
            .where(Account.name == account, Container.name == container)).first()
        if row is None:
            raise NotFound(resource="container", id=container)
        return row

    @staticmethod
    def _row(session: Session, container_id: int, name: str) -> Object | None:
        return session.scalars(select(Object).where(
            Object.container_id == container_id, Object.name_hash == name_hash(name))).first()

    def info(self, account: str, container: str, name: str) -> ObjectInfo:
        """The object's index entry; ``NotFound`` for a missing container or object."""
        with self.db.reader() as session:
            row = self._row(session, self._container(session, account, container).id, name)
            if row is None or expired(row):
                raise NotFound(resource="object", id=name)
            return _info(account, container, row)

    def exists(self, account: str, container: str, name: str) -> bool:
        try:
            self.info(account, container, name)
        except NotFound:
            return False
        return True

    def read(self, info: ObjectInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the version ``info`` names (its segments' once resolved)."""
        if info.segments is None:
            return self.driver.get(info.account, info.container, info.name, info.data_ts,
                                   start, end)
        return self._read_segments(info.segments, start, info.size if end is None else end)

    def _read_segments(self, segments: list[ObjectInfo], start: int, end: int) -> Iterator[bytes]:
        offset = 0
        for seg in segments:
            lo, hi = max(start - offset, 0), min(end - offset, seg.size)
            if lo < hi:
                yield from self.driver.get(seg.account, seg.container, seg.name, seg.data_ts,
                                           lo, hi)
            offset += seg.size
            if offset >= end:
                return

    def resolve(self, info: ObjectInfo) -> ObjectInfo:
        """A dynamic large object as clients see it: its segments' bytes, size and etag.

        The segments are the live objects named ``<prefix>...`` in the manifest's container, in
        name order; the etag is the MD5 of their etags joined, as Swift computes it.
        """
        if info.manifest is None:
            return info
        container, _, prefix = info.manifest.partition("/")
        container, prefix = unquote(container), unquote(prefix)
        with self.db.reader() as session:
            try:
                cont = self._container(session, info.account, container)
            except NotFound:
                rows: list[Object] = []
            else:
                stmt = select(Object).where(Object.container_id == cont.id, live())
                if prefix:
                    stmt = stmt.where(Object.name >= prefix)
                rows = [row for row in session.scalars(stmt.order_by(Object.name))
                        if row.name.startswith(prefix)]
            segments = [_info(info.account, container, row) for row in rows]
        digest = hashlib.md5(usedforsecurity=False)
        for seg in segments:
            digest.update(seg.etag.encode())
        return dataclasses.replace(info, size=sum(seg.size for seg in segments),
                                   etag=digest.hexdigest(), segments=segments)

    def put(self, account: str, container: str, name: str, chunks: Iterable[bytes],
            request: PutRequest) -> ObjectInfo:
        """Store a new version from ``chunks`` and make the index name it."""
        self.info_container(account, container)
        if request.if_none_match and self.exists(account, container, name):
            raise PreconditionFailed(reason="An object with that name already exists.")
        stored = self.driver.put(account, container, name, chunks,
                                 {"content_type": request.content_type, "meta": request.meta},
                                 MAX_FILE_SIZE)
        if request.expected_etag is not None and request.expected_etag != stored.etag:
            self.driver.delete(account, container, name, stored.timestamp)
            raise UnprocessableEntity(reason="the ETag given does not match the MD5 of the body")
        try:
            info, old = self._record(account, container, name, stored, request)
        except BaseException:
            self.driver.delete(account, container, name, stored.timestamp)
            raise
        if old is not None and old != stored.timestamp:
            self.driver.delete(account, container, name, old)
        return info

    def info_container(self, account: str, container: str) -> None:
        with self.db.reader() as session:
            self._container(session, account, container)

    def _record(self, account: str, container: str, name: str, stored: StoredObject,
                request: PutRequest) -> tuple[ObjectInfo, str | None]:
        for _attempt in range(3):
            try:
                return self._upsert(account, container, name, stored, request)
            except IntegrityError:
                continue  # a concurrent PUT inserted the row first; now it is an update
        return self._upsert(account, container, name, stored, request)

    @retry_on_lock()
    def _upsert(self, account: str, container: str, name: str, stored: StoredObject,
                request: PutRequest) -> tuple[ObjectInfo, str | None]:
        with self.db.writer() as session:
            cont = self._container(session, account, container)
            row = self._row(session, cont.id, name)
            old: str | None = None
            if row is None:
                row = Object(container_id=cont.id, name=name, name_hash=name_hash(name))
                session.add(row)
                cont.object_count += 1
            else:
                old = row.data_ts
                cont.bytes_used -= row.size
            cont.bytes_used += stored.size
            row.data_ts = stored.timestamp
            row.meta_ts = stored.timestamp
            row.etag = stored.etag
            row.size = stored.size
            row.content_type = request.content_type
            row.meta = dict(request.meta)
            row.delete_at = request.delete_at
            row.manifest = request.manifest
            session.flush()
            return _info(account, container, row), old

    @retry_on_lock()
    def post(self, account: str, container: str, name: str, meta: dict[str, str],
             content_type: str | None, delete_at: int | None = None,
             manifest: str | None = None) -> ObjectInfo:
        """Replace the object's user metadata, expiry and manifest (and its type when given).

        As Swift's POST, what the request does not name is dropped: no X-Delete-At means the
        object no longer expires.
        """
        with self.db.writer() as session:
            row = self._row(session, self._container(session, account, container).id, name)
            if row is None or expired(row):
                raise NotFound(resource="object", id=name)
            row.meta = dict(meta)
            row.delete_at = delete_at
            row.manifest = manifest
            if content_type:
                row.content_type = content_type
            row.meta_ts = timeutil.after(row.meta_ts)
            info = _info(account, container, row)
        self.driver.set_metadata(account, container, name, info.data_ts,
                                 {"content_type": info.content_type, "meta": info.meta})
        return info

    def delete(self, account: str, container: str, name: str) -> None:
        old = self._unindex(account, container, name)
        self.driver.delete(account, container, name, old)

    @retry_on_lock()
    def _unindex(self, account: str, container: str, name: str) -> str:
        with self.db.writer() as session:
            cont = self._container(session, account, container)
            row = self._row(session, cont.id, name)
            if row is None:
                raise NotFound(resource="object", id=name)
            cont.object_count -= 1
            cont.bytes_used -= row.size
            session.delete(row)
            return row.data_ts

    def copy(self, source: ObjectInfo, account: str, container: str, name: str,
             request: PutRequest) -> ObjectInfo:
        """A new object at the destination with the source's bytes, read as they are written."""
        return self.put(account, container, name, self.read(source), request)
