"""The rules for objects: bytes go to the driver first, then the index records the new version.

Writing the bytes before the index means a reader never finds an index entry without bytes; the
version the index no longer names is dropped from the driver only after the index commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
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


@dataclass
class PutRequest:
    """What a PUT carries besides its bytes."""

    content_type: str
    meta: dict[str, str]
    expected_etag: str | None = None
    if_none_match: bool = False


def name_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _info(account: str, container: str, row: Object) -> ObjectInfo:
    return ObjectInfo(account, container, row.name, row.etag, row.size, row.content_type,
                      row.data_ts, row.meta_ts, dict(row.meta or {}))


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
            if row is None:
                raise NotFound(resource="object", id=name)
            return _info(account, container, row)

    def exists(self, account: str, container: str, name: str) -> bool:
        try:
            self.info(account, container, name)
        except NotFound:
            return False
        return True

    def read(self, info: ObjectInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the version ``info`` names."""
        return self.driver.get(info.account, info.container, info.name, info.data_ts, start, end)

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
            session.flush()
            return _info(account, container, row), old

    @retry_on_lock()
    def post(self, account: str, container: str, name: str, meta: dict[str, str],
             content_type: str | None) -> ObjectInfo:
        """Replace the object's user metadata (and its type when given), as Swift's POST."""
        with self.db.writer() as session:
            row = self._row(session, self._container(session, account, container).id, name)
            if row is None:
                raise NotFound(resource="object", id=name)
            row.meta = dict(meta)
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
