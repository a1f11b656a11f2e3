"""The rules for objects: bytes go to the driver first, then the index records the new version.

Writing the bytes before the index means a reader never finds an index entry without bytes; the
version the index no longer names is dropped from the driver only after the index commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy.exc import IntegrityError

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound
from nimbus.object.db import containers, objects, sync
from nimbus.object.drivers import timestamps
from nimbus.object.drivers.base import ObjectDriver, StoredObject
from nimbus.object.errors import PreconditionFailed, UnprocessableEntity
from nimbus.object.manager import expiry
from nimbus.object.manager.containers import require
from nimbus.object.manager.large_objects import LargeObjects
from nimbus.object.manager.records import ObjectInfo, PutRequest, object_info
from nimbus.object.schemas.constraints import MAX_FILE_SIZE
from nimbus.object.schemas.sync import SYNC_TO


class ObjectManager:
    def __init__(self, db: Database, driver: ObjectDriver, large: LargeObjects) -> None:
        self.db = db
        self.driver = driver
        self.large = large

    def info(self, account: str, container: str, name: str) -> ObjectInfo:
        """The object's index entry; ``NotFound`` for a missing container or object."""
        with self.db.reader() as session:
            row = objects.find(session, require(session, account, container).id, name)
            if row is None or expiry.expired(row.delete_at):
                raise NotFound(resource="object", id=name)
            return object_info(account, container, row)

    def exists(self, account: str, container: str, name: str) -> bool:
        try:
            self.info(account, container, name)
        except NotFound:
            return False
        return True

    def resolve(self, info: ObjectInfo) -> ObjectInfo:
        """The object as clients read it (a dynamic large object: its segments)."""
        return self.large.resolve(info)

    def read(self, info: ObjectInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the version ``info`` names (its segments' once resolved)."""
        if info.segments is None:
            return self.driver.get(info.account, info.container, info.name, info.data_ts,
                                   start, end)
        return self.large.read(info.segments, start, info.size if end is None else end)

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
        """Nothing when the container exists; ``NotFound`` otherwise."""
        with self.db.reader() as session:
            require(session, account, container)

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
            cont = require(session, account, container)
            row = objects.find(session, cont.id, name)
            old: str | None = None
            if row is None:
                row = objects.add(session, cont.id, name)
                cont.object_count += 1
            else:
                old = row.data_ts
                cont.bytes_used -= row.size
            size = stored.size if request.index_size is None else request.index_size
            cont.bytes_used += size
            row.data_ts = stored.timestamp
            row.meta_ts = request.meta_ts or stored.timestamp
            row.etag = request.index_etag or stored.etag
            row.size = size
            row.sysmeta = request.sysmeta
            row.content_type = request.content_type
            row.meta = dict(request.meta)
            row.delete_at = request.delete_at
            row.manifest = request.manifest
            session.flush()
            return object_info(account, container, row), old

    @retry_on_lock()
    def post(self, account: str, container: str, name: str, meta: dict[str, str],
             content_type: str | None, delete_at: int | None = None,
             manifest: str | None = None) -> ObjectInfo:
        """Replace the object's user metadata, expiry and manifest (and its type when given).

        As Swift's POST, what the request does not name is dropped: no X-Delete-At means the
        object no longer expires.
        """
        with self.db.writer() as session:
            row = objects.find(session, require(session, account, container).id, name)
            if row is None or expiry.expired(row.delete_at):
                raise NotFound(resource="object", id=name)
            row.meta = dict(meta)
            row.delete_at = delete_at
            row.manifest = manifest
            if content_type:
                row.content_type = content_type
            row.meta_ts = timestamps.after(row.meta_ts)
            info = object_info(account, container, row)
        self.driver.set_metadata(account, container, name, info.data_ts,
                                 {"content_type": info.content_type, "meta": info.meta})
        return info

    def delete(self, account: str, container: str, name: str) -> None:
        old = self._unindex(account, container, name)
        self.driver.delete(account, container, name, old)

    @retry_on_lock()
    def _unindex(self, account: str, container: str, name: str) -> str:
        with self.db.writer() as session:
            cont = require(session, account, container)
            row = objects.find(session, cont.id, name)
            if row is None:
                raise NotFound(resource="object", id=name)
            cont.object_count -= 1
            cont.bytes_used -= row.size
            objects.remove(session, row)
            if (cont.sysmeta or {}).get(SYNC_TO):
                # Container sync carries the deletion to its target.
                sync.record_deletion(session, cont.id, name, timestamps.after(row.meta_ts))
            return row.data_ts

    def copy(self, source: ObjectInfo, account: str, container: str, name: str,
             request: PutRequest) -> ObjectInfo:
        """A new object at the destination with the source's bytes, read as they are written."""
        return self.put(account, container, name, self.read(source), request)

    # -- what a crash or the clock leaves behind ---------------------------------------------

    def expired(self, now: float, limit: int) -> list[objects.Version]:
        """Up to ``limit`` objects past their X-Delete-At at ``now``, still in the index."""
        with self.db.reader() as session:
            return objects.expired(session, now, limit)

    def reap_expired(self, account: str, container: str, limit: int = 10_000) -> int:
        """Remove the container's expired objects now, rather than at the expirer's next pass:
        they are gone for clients, so they must not keep the container from being deleted
        (Swift's object server tombstones one when it is deleted after its time)."""
        at = expiry.now()
        with self.db.reader() as session:
            found = objects.expired(session, at, limit, (account, container))
        return sum(1 for version in found if self.remove_expired(version, at))

    def remove_expired(self, version: objects.Version, now: float) -> bool:
        """Drop an expired object from the index, then its bytes; False when it was overwritten,
        deleted or given a new expiry meanwhile (then it is left as it is)."""
        if not self._unindex_expired(version, now):
            return False
        self.driver.delete(version.account, version.container, version.name, version.data_ts)
        return True

    @retry_on_lock()
    def _unindex_expired(self, version: objects.Version, now: float) -> bool:
        with self.db.writer() as session:
            row = objects.get(session, version.id)
            if row is None or row.data_ts != version.data_ts or \
                    not expiry.expired(row.delete_at, now):
                return False
            cont = containers.get(session, row.container_id)
            if cont is not None:
                cont.object_count -= 1
                cont.bytes_used -= row.size
            objects.remove(session, row)
            return True

    def unindexed(self, older_than: float) -> Iterator[objects.Version]:
        """Stored versions the index does not name, written before ``older_than``: the bytes
        of a PUT whose index write never happened, or of a delete that stopped half-way."""
        for account, container, name, stamp in self.driver.list():
            if float(stamp) >= older_than:
                continue
            with self.db.reader() as session:
                current = objects.indexed(session, account, container, name)
            if current != stamp:
                yield objects.Version(0, account, container, name, stamp)

    def drop_version(self, version: objects.Version) -> None:
        self.driver.delete(version.account, version.container, version.name, version.data_ts)
