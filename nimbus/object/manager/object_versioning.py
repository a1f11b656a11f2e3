"""Object versioning (``X-Versions-Enabled``): every write to the container keeps the version
it replaces, each version has an id, and a DELETE leaves a delete marker instead of erasing.

The current version stays the container's own object; older versions and delete markers live
in a hidden container of the same account whose name holds a ``/`` (so no client can name it,
and account listings leave it out). There each is stored as ``<name>\\x01<inverted stamp>``,
newest first within a name, with its version id in its system metadata. An object written
while versioning was never on has the id ``null``.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.core.errors import NotFound
from nimbus.object.db import containers, objects
from nimbus.object.db.listings import HIDDEN_PREFIX
from nimbus.object.drivers import timestamps
from nimbus.object.manager import expiry
from nimbus.object.manager.containers import ContainerManager
from nimbus.object.manager.objects import ObjectManager
from nimbus.object.manager.records import ObjectInfo, PutRequest, object_info

ENABLED = "versions-enabled"
HIDDEN = "versions-container"
VERSION_ID = "version-id"
NULL = "null"
DELETE_MARKER = "application/x-deleted;swift_versions_deleted=1"
_SEP = "\x01"
_TOP = 10 ** 15 - 1


def hidden_name(container: str) -> str:
    """Container names never hold ``/``: this one cannot clash with, or be reached as, one."""
    return HIDDEN_PREFIX + hashlib.md5(container.encode(), usedforsecurity=False).hexdigest()


def _inverted(stamp: str) -> str:
    whole, _, frac = stamp.partition(".")
    return f"{_TOP - (int(whole) * 100000 + int((frac + '00000')[:5])):015d}"


def version_id(info: ObjectInfo) -> str:
    return info.sysmeta.get(VERSION_ID, NULL)


def is_marker(info: ObjectInfo) -> bool:
    return info.content_type == DELETE_MARKER


class ObjectVersioning:
    def __init__(self, db: Database, containers_: ContainerManager,
                 objects_: ObjectManager) -> None:
        self.db = db
        self.containers = containers_
        self.objects = objects_

    def set_enabled(self, account: str, container: str, enabled: bool) -> None:
        """Turn versioning on or off; the hidden container is made the first time it is on."""
        hidden = hidden_name(container)
        if enabled:
            self.containers.create_container(account, hidden, {}, {})
        with self.db.writer() as tx:
            row = containers.find(tx, account, container)
            if row is None:
                raise NotFound(resource="container", id=container)
            sysmeta = dict(row.sysmeta or {})
            if not enabled and HIDDEN not in sysmeta:
                return
            sysmeta[ENABLED] = "True" if enabled else "False"
            sysmeta[HIDDEN] = hidden
            row.sysmeta = sysmeta

    @staticmethod
    def new_id() -> str:
        """A new version's id: the moment it is written, as Swift's are."""
        return timestamps.now()

    def current(self, account: str, container: str, name: str) -> ObjectInfo | None:
        try:
            return self.objects.info(account, container, name)
        except NotFound:
            return None

    def archive(self, info: ObjectInfo) -> None:
        """Keep ``info`` (as stored, manifests and links included) among the old versions."""
        request = PutRequest(content_type=info.content_type, meta=dict(info.meta),
                             delete_at=info.delete_at, manifest=info.manifest,
                             sysmeta={**info.sysmeta, VERSION_ID: version_id(info)},
                             index_etag=info.etag, index_size=info.size)
        self.objects.put(info.account, hidden_name(info.container),
                         info.name + _SEP + _inverted(info.data_ts), self.objects.read(info),
                         request)

    def mark_deleted(self, account: str, container: str, name: str) -> str:
        """A delete marker as the newest version of ``name``; its version id."""
        stamp = timestamps.now()
        self.objects.put(account, hidden_name(container), name + _SEP + _inverted(stamp),
                         iter([b""]), PutRequest(content_type=DELETE_MARKER, meta={},
                                                 sysmeta={VERSION_ID: stamp}))
        return stamp

    def archived(self, account: str, container: str, prefix: str) -> list[ObjectInfo]:
        """The kept versions (and markers) of names starting with ``prefix``, by name, then
        newest first."""
        hidden = hidden_name(container)
        with self.db.reader() as tx:
            cont = containers.find(tx, account, hidden)
            if cont is None:
                return []
            rows = objects.with_prefix(tx, cont.id, prefix, expiry.now())
            return [object_info(account, hidden, row) for row in rows]

    def versions(self, account: str, container: str, name: str) -> list[ObjectInfo]:
        return self.archived(account, container, name + _SEP)

    def find(self, account: str, container: str, name: str, vid: str) -> ObjectInfo | None:
        """Version ``vid`` of the object: the current one, a kept one, or a marker."""
        current = self.current(account, container, name)
        if current is not None and version_id(current) == vid:
            return current
        return next((old for old in self.versions(account, container, name)
                     if version_id(old) == vid), None)

    def delete_version(self, account: str, container: str, name: str, vid: str) -> ObjectInfo:
        """Erase one version; erasing the current one brings the newest kept one back (unless
        that is a marker: the object then stays deleted)."""
        found = self.find(account, container, name, vid)
        if found is None:
            raise NotFound(resource="object", id=name)
        if found.container != container:
            self.objects.delete(account, found.container, found.name)
            return found
        self.objects.delete(account, container, name)
        kept = self.versions(account, container, name)
        if kept and not is_marker(kept[0]):
            self._restore(kept[0], container, name)
        return found

    def _restore(self, kept: ObjectInfo, container: str, name: str) -> None:
        request = PutRequest(content_type=kept.content_type, meta=dict(kept.meta),
                             delete_at=kept.delete_at, manifest=kept.manifest,
                             sysmeta=dict(kept.sysmeta), index_etag=kept.etag,
                             index_size=kept.size)
        self.objects.put(kept.account, container, name, self.objects.read(kept), request)
        self.objects.delete(kept.account, kept.container, kept.name)

    def has_versions(self, account: str, container: str) -> bool:
        with self.db.reader() as tx:
            cont = containers.find(tx, account, hidden_name(container))
            return cont is not None and cont.object_count > 0

    def drop_hidden(self, account: str, container: str) -> None:
        with contextlib.suppress(NotFound):
            self.containers.delete_container(account, hidden_name(container))

    def listing(self, account: str, container: str, prefix: str) -> list[dict[str, Any]]:
        """Every version of the names starting with ``prefix``: by name, newest first."""
        with self.db.reader() as tx:
            cont = containers.find(tx, account, container)
            rows = [] if cont is None else objects.with_prefix(tx, cont.id, prefix,
                                                                expiry.now())
            current = {row.name: object_info(account, container, row) for row in rows}
        by_name: dict[str, list[ObjectInfo]] = {name: [info] for name, info in current.items()}
        for old in self.archived(account, container, prefix):
            base = old.name.rpartition(_SEP)[0]
            by_name.setdefault(base, []).append(old)
        entries: list[dict[str, Any]] = []
        for name in sorted(by_name):
            for index, info in enumerate(by_name[name]):
                entries.append({"name": name, "version": info, "is_latest": index == 0})
        return entries
