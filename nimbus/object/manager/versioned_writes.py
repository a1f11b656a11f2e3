"""Versioned writes (Swift's older object versioning): a container names another one,
``X-Versions-Location`` (stack mode) or ``X-History-Location`` (history mode), where each
overwritten version of its objects is kept as ``<3-hex name length><name>/<timestamp>``.

In stack mode a DELETE brings the newest kept version back; in history mode it keeps the
current one and leaves a zero-byte delete marker behind it. Versions are copied as stored, so a
large object's manifest stays a manifest.
"""

from __future__ import annotations

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound
from nimbus.object.db import containers, objects
from nimbus.object.drivers import timestamps
from nimbus.object.manager import expiry
from nimbus.object.manager.containers import require
from nimbus.object.manager.objects import ObjectManager
from nimbus.object.manager.records import ObjectInfo, PutRequest, object_info

# Container system metadata.
LOCATION = "versions-location"
MODE = "versions-mode"
STACK = "stack"
HISTORY = "history"
DELETE_MARKER = "application/x-deleted;swift_versions_deleted=1"


def version_prefix(name: str) -> str:
    return f"{len(name.encode()):03x}{name}/"


class VersionedWrites:
    def __init__(self, db: Database, objects_: ObjectManager) -> None:
        self.db = db
        self.objects = objects_

    @retry_on_lock()
    def set_location(self, account: str, container: str, location: str | None,
                     mode: str) -> None:
        """Name (or, None, forget) the container's versions container."""
        with self.db.writer() as tx:
            row = require(tx, account, container)
            sysmeta = dict(row.sysmeta or {})
            sysmeta.pop(LOCATION, None)
            sysmeta.pop(MODE, None)
            if location:
                sysmeta.update({LOCATION: location, MODE: mode})
            row.sysmeta = sysmeta

    def current(self, account: str, container: str, name: str) -> ObjectInfo | None:
        try:
            return self.objects.info(account, container, name)
        except NotFound:
            return None

    def archive(self, info: ObjectInfo, versions: str) -> None:
        """Keep ``info`` (as stored) in the versions container, named for its timestamp."""
        self.objects.info_container(info.account, versions)
        self._copy(info, versions, version_prefix(info.name) + info.meta_ts)

    def _copy(self, info: ObjectInfo, container: str, name: str) -> None:
        request = PutRequest(content_type=info.content_type, meta=dict(info.meta),
                             delete_at=info.delete_at, manifest=info.manifest,
                             sysmeta=dict(info.sysmeta) or None, index_etag=info.etag,
                             index_size=info.size)
        self.objects.put(info.account, container, name, self.objects.read(info), request)

    def newest(self, account: str, versions: str, name: str) -> ObjectInfo | None:
        with self.db.reader() as tx:
            cont = containers.find(tx, account, versions)
            if cont is None:
                return None
            rows = objects.with_prefix(tx, cont.id, version_prefix(name), expiry.now())
            return object_info(account, versions, rows[-1]) if rows else None

    def restore(self, account: str, container: str, name: str, versions: str) -> bool:
        """Stack mode's DELETE: the newest kept version replaces the object, and leaves the
        versions container; False when none is kept."""
        kept = self.newest(account, versions, name)
        if kept is None:
            return False
        if kept.content_type == DELETE_MARKER:
            # A marker left by history mode: the object stays deleted.
            self.objects.delete(account, versions, kept.name)
            self.objects.delete(account, container, name)
            return True
        self._copy(kept, container, name)
        self.objects.delete(account, versions, kept.name)
        return True

    def mark_deleted(self, account: str, name: str, versions: str) -> None:
        """History mode's DELETE leaves a zero-byte marker after the versions it kept."""
        stamp = timestamps.now()
        self.objects.put(account, versions, version_prefix(name) + stamp, iter([b""]),
                         PutRequest(content_type=DELETE_MARKER, meta={}))
