"""Container sync: a container names another one of this cluster (``X-Container-Sync-To``) and
a shared secret (``X-Container-Sync-Key``); a background worker copies what is written to the
first into the second, as Swift's ``container-sync`` daemon does.

The worker runs beside the API (a pass at start, then every ``interval`` seconds). Each pass
walks the objects written or posted since the container's sync point (its newest ``meta_ts``
already copied, kept in the container's system metadata) and copies each to the target, which
must name the same key. A copy keeps its source's timestamp, as Swift's does; a target already
holding the same bytes and metadata, or a newer version, is left alone, so two containers
syncing to each other settle after one exchange.
A delete from a syncing container leaves a deletion row (``db/sync.py``, Swift's deleted
container rows) that the next pass carries over: the target's object goes unless it is newer
than the deletion. Carried deletions are dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NimbusError, NotFound
from nimbus.core.periodic import Periodic
from nimbus.object.db import containers, sync
from nimbus.object.manager import expiry
from nimbus.object.manager.objects import ObjectManager
from nimbus.object.manager.records import ObjectInfo, PutRequest, object_info
from nimbus.object.schemas.sync import (
    SYNC_DELETE_POINT,
    SYNC_KEY,
    SYNC_POINT,
    SYNC_TO,
    Realm,
    SyncToError,
    target,
)

LOG = logging.getLogger(__name__)
__all__ = ["SYNC_KEY", "SYNC_POINT", "SYNC_TO", "ContainerSync"]


@dataclass(frozen=True)
class _Job:
    account: str
    container: str
    container_id: int
    sync_to: str
    key: str
    point: str
    delete_point: str


class ContainerSync(Periodic):
    thread_name = "container-sync"

    def __init__(self, db: Database, objects_: ObjectManager, realm: Realm,
                 interval: float = 10.0, batch: int = 1000) -> None:
        super().__init__(interval)
        self.db = db
        self.objects = objects_
        self.realm = realm
        self.batch = batch

    @retry_on_lock()
    def configure(self, account: str, container: str, changes: dict[str, str]) -> None:
        """Set or ("") remove the sync target and key; a new target starts from the beginning."""
        with self.db.writer() as tx:
            row = containers.find(tx, account, container)
            if row is None:
                raise NotFound(resource="container", id=container)
            sysmeta = dict(row.sysmeta or {})
            if SYNC_TO in changes and changes[SYNC_TO] != sysmeta.get(SYNC_TO):
                sysmeta.pop(SYNC_POINT, None)
                sysmeta.pop(SYNC_DELETE_POINT, None)
                sync.forget_deletions(tx, row.id)
            for name, value in changes.items():
                if value:
                    sysmeta[name] = value
                else:
                    sysmeta.pop(name, None)
            row.sysmeta = sysmeta

    # -- the worker ---------------------------------------------------------------------------

    def run_pass(self) -> int:
        # Every pass waits the whole interval: a sync copies what is new since the last.
        self.sync_all()
        return 0

    def sync_all(self) -> int:
        """One pass over every syncing container; how many objects were copied."""
        with self.db.reader() as tx:
            jobs = [_Job(account, row.name, row.id, str(meta[SYNC_TO]), str(meta[SYNC_KEY]),
                         str(meta.get(SYNC_POINT, "0")), str(meta.get(SYNC_DELETE_POINT, "0")))
                    for account, row in sync.with_sysmeta(tx)
                    if (meta := row.sysmeta or {}).get(SYNC_TO) and meta.get(SYNC_KEY)]
        copied = 0
        for job in jobs:
            if self._stop.is_set():
                break
            copied += self.sync_one(job)
        return copied

    def sync_one(self, job: _Job) -> int:
        try:
            account, container = target(job.sync_to, self.realm)
        except SyncToError:
            return 0
        with self.db.reader() as tx:
            dest = containers.find(tx, account, container)
            # The target must have agreed to receive: the same key on its side.
            if dest is None or (dest.sysmeta or {}).get(SYNC_KEY) != job.key:
                LOG.info("container sync of %s/%s: the target refuses it", job.account,
                         job.container)
                return 0
            rows = sync.changed_since(tx, job.container_id, job.point, self.batch)
            changed = [object_info(job.account, job.container, row) for row in rows
                       if not expiry.expired(row.delete_at)]
            deleted = [(d.name, d.deleted_ts) for d in
                       sync.deleted_since(tx, job.container_id, job.delete_point, self.batch)]
        copied = 0
        point = job.point
        for info in changed:
            if self._stop.is_set():
                break
            try:
                copied += self._push(info, account, container)
            except NimbusError as err:
                # The object changed or left meanwhile: the next pass sees its new state.
                LOG.info("container sync of %s: %s", info.name, err)
            point = max(point, info.meta_ts)
        delete_point = job.delete_point
        for name, stamp in deleted:
            if self._stop.is_set():
                break
            copied += self._push_deletion(name, stamp, account, container)
            delete_point = stamp
        if point != job.point or delete_point != job.delete_point:
            self._save_point(job, point, delete_point)
        return copied

    def _push_deletion(self, name: str, stamp: str, account: str, container: str) -> int:
        try:
            there = self.objects.info(account, container, name)
            # Written again since (there, or synced from here after the deletion): it stays.
            if there.meta_ts >= stamp:
                return 0
            self.objects.delete(account, container, name)
        except NotFound:
            return 0
        return 1

    def _push(self, info: ObjectInfo, account: str, container: str) -> int:
        try:
            there = self.objects.info(account, container, info.name)
        except NotFound:
            there = None
        if there is not None and (there.meta_ts > info.meta_ts or (
                there.etag == info.etag and there.meta == info.meta
                and there.content_type == info.content_type)):
            return 0
        request = PutRequest(content_type=info.content_type, meta=dict(info.meta),
                             delete_at=info.delete_at, manifest=info.manifest,
                             sysmeta=dict(info.sysmeta) or None, index_etag=info.etag,
                             index_size=info.size, meta_ts=info.meta_ts)
        self.objects.put(account, container, info.name, self.objects.read(info), request)
        return 1

    @retry_on_lock()
    def _save_point(self, job: _Job, point: str, delete_point: str) -> None:
        with self.db.writer() as tx:
            row = containers.get(tx, job.container_id)
            if row is None:
                return
            sysmeta = dict(row.sysmeta or {})
            if sysmeta.get(SYNC_TO) != job.sync_to:
                return  # retargeted meanwhile: the new target starts from the beginning
            sysmeta[SYNC_POINT] = point
            sysmeta[SYNC_DELETE_POINT] = delete_point
            row.sysmeta = sysmeta
            sync.forget_deletions(tx, job.container_id, through=delete_point)
