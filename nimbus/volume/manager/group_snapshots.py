"""Group snapshots (3.14): a snapshot of every volume of a group, taken together.

Creating one records a snapshot of each volume (``group_snapshot_id`` naming the group
snapshot) and casts each to the volume's agent; the group snapshot is ``available`` once the
last one is (``error`` if one failed). Deleting it deletes its snapshots the same way; the last
one gone takes the group snapshot with it (``db/groups.settle_group_snapshot``). A snapshot
that belongs to a group snapshot is not deleted on its own (``manager/snapshots.py``).
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume import states
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import quota_classes as db_quota_classes
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.group_models import GroupSnapshot
from nimbus.volume.db.groups import GroupFilters
from nimbus.volume.errors import InvalidGroup, InvalidGroupSnapshot, InvalidVolume
from nimbus.volume.manager.keys import KeyStore
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]


class GroupSnapshotManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, quotas: QuotaManager,
                 keys: KeyStore | None = None) -> None:
        self.db = database
        self.rpc = rpc
        self.quotas = quotas
        self.keys = keys

    def get(self, group_snapshot_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return db_groups.snapshot_record(db_groups.get_snapshot(s, group_snapshot_id,
                                                                    project_id))

    def listing(self, filters: GroupFilters, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_groups.snapshot_listing(s, filters, query)
            return Page([db_groups.snapshot_record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    # -- create ---------------------------------------------------------------------------------
    def create(self, ctx: dict[str, Any], group_id: str, project_id: str | None,
               name: str | None, description: str | None) -> Record:
        record, casts = self._insert(ctx, group_id, project_id, name, description)
        for host, snapshot_id in casts:
            self.rpc.create_snapshot(ctx, host, snapshot_id)
        return record

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], group_id: str, project_id: str | None,
                name: str | None, description: str | None
                ) -> tuple[Record, list[tuple[str, str]]]:
        with self.db.writer() as s:
            group = db_groups.get(s, group_id, project_id, lock=True)
            if group.status != states.AVAILABLE:
                raise InvalidGroup(reason=f"Group {group.id} status must be available, but "
                                          f"current status is: {group.status}")
            db_backends.assert_not_frozen(s, group.host)
            volumes = db_groups.volumes_of(s, group.id)
            for vol in volumes:
                if not vol.host:
                    raise InvalidVolume(reason="The snapshot cannot be created because volume "
                                               "has not been scheduled to any host.")
                states.require("snapshot", vol.id, vol.status)
            self._check_quota(s, group.project_id, volumes)
            row = GroupSnapshot(
                group_id=group.id, project_id=group.project_id, user_id=ctx.get("user_id"),
                name=name, description=description, group_type_id=group.group_type_id,
                # Nothing to take for an empty group: it is complete at once.
                status=states.GROUP_SNAPSHOT_STATUS.start(states.CREATING if volumes else states.AVAILABLE),
                updated_at=utcnow())
            s.add(row)
            s.flush()
            casts = []
            for vol in volumes:
                key_id = (self.keys.clone(s, vol.encryption_key_id, vol.project_id)
                          if vol.encryption_key_id and self.keys is not None else None)
                snap = db_snapshots.insert(
                    s, volume_id=vol.id, project_id=vol.project_id, user_id=ctx.get("user_id"),
                    name=name, description=description, size=vol.size,
                    status=states.SNAPSHOT_STATUS.start(states.CREATING), metadata_={},
                    updated_at=utcnow(), encryption_key_id=key_id, group_snapshot_id=row.id,
                    generation=db_snapshots.next_generation(s, vol.id))
                casts.append((str(vol.host), snap.id))
            return db_groups.snapshot_record(row), casts

    def _check_quota(self, s: Any, project_id: str, volumes: list[Any]) -> None:
        self.quotas.check(s, project_id, snapshots=len(volumes),
                          gigabytes=sum(v.size for v in volumes))
        for vol in volumes:
            name = db_quota_classes.type_name(s, vol.volume_type_id)
            if name:
                same = [v for v in volumes if v.volume_type_id == vol.volume_type_id]
                self.quotas.check(s, project_id, snapshots=len(same),
                                  gigabytes=sum(v.size for v in same), volume_type=name)

    # -- delete ---------------------------------------------------------------------------------
    def delete(self, ctx: dict[str, Any], group_snapshot_id: str,
               project_id: str | None) -> None:
        for host, snapshot_id in self._mark_deleting(group_snapshot_id, project_id):
            self.rpc.delete_snapshot(ctx, host, snapshot_id)

    @retry_on_lock()
    def _mark_deleting(self, group_snapshot_id: str,
                       project_id: str | None) -> list[tuple[str, str]]:
        with self.db.writer() as s:
            row = db_groups.get_snapshot(s, group_snapshot_id, project_id, lock=True)
            group = db_groups.find(s, row.group_id)
            db_backends.assert_not_frozen(s, group.host if group is not None else None)
            if row.status not in states.GROUP_DELETABLE or db_groups.creating_from(
                    s, group_snapshot_id=row.id):
                raise InvalidGroupSnapshot(reason="GroupSnapshot status must be available or "
                                                  "error, and no Group can be currently using "
                                                  "it as source for its creation.")
            members = db_groups.members(s, row.id)
            casts = []
            for snap in members:
                states.SNAPSHOT_STATUS.move(snap, states.DELETING)
                snap.updated_at = utcnow()
                vol = db_volumes.find(s, snap.volume_id)
                if vol is not None and vol.host:
                    casts.append((vol.host, snap.id))
                else:
                    db_snapshots.remove(s, snap)
            if not casts:
                s.delete(row)
                return []
            states.GROUP_SNAPSHOT_STATUS.move(row, states.DELETING)
            row.updated_at = utcnow()
            return casts

    @retry_on_lock()
    def reset_status(self, group_snapshot_id: str, status: str) -> None:
        with self.db.writer() as s:
            row = db_groups.get_snapshot(s, group_snapshot_id, lock=True)
            states.GROUP_SNAPSHOT_STATUS_RESET.move(row, status)
            row.updated_at = utcnow()
