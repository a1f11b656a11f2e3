"""A group made from a source (3.14, ``/groups/action`` ``create-from-src``): a copy of every
volume of a source group, or a volume from every snapshot of a group snapshot.

The new group lives on its source's backend (its volumes are copies of what is there) and is
``creating`` until the agent has made each of its volumes; the last one to settle makes it
``available``, or ``error`` when one failed (``db/groups.settle_group``). Everything is checked
and written in one transaction, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.registry import Registry
from nimbus.volume import states
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import quota_classes as db_quota_classes
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.models import Snapshot, Volume
from nimbus.volume.errors import InvalidGroup, InvalidInput
from nimbus.volume.manager import hosts
from nimbus.volume.manager.keys import KeyStore
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]
# One new volume: (its source volume, the snapshot it is made from or None).
Plan = list[tuple[Volume, Snapshot | None]]


class GroupSources:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, quotas: QuotaManager,
                 registry: Registry, keys: KeyStore | None) -> None:
        self.db = database
        self.rpc = rpc
        self.quotas = quotas
        self.registry = registry
        self.keys = keys

    def create_from_src(self, ctx: dict[str, Any], name: str | None, description: str | None,
                        group_snapshot_id: str | None, source_group_id: str | None,
                        project_id: str | None) -> Record:
        group, casts = self._insert(ctx, name, description, group_snapshot_id, source_group_id,
                                    project_id)
        for host, volume_id in casts:
            self.rpc.create_volume(ctx, host, volume_id)
        return group

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], name: str | None, description: str | None,
                group_snapshot_id: str | None, source_group_id: str | None,
                project_id: str | None) -> tuple[Record, list[tuple[str, str]]]:
        with self.db.writer() as s:
            if group_snapshot_id:
                source, plan = self._from_group_snapshot(s, group_snapshot_id, project_id)
            else:
                source, plan = self._from_group(s, str(source_group_id), project_id)
            host = source.host
            if not host or db_backends.backend_of(host) not in hosts.up_backends(self.registry):
                raise InvalidGroup(reason=f"No valid host to create group from {source.id}.")
            db_backends.assert_not_frozen(s, host)
            owner = str(ctx["project_id"])
            self._check_quota(s, owner, plan)
            type_ids = db_groups.volume_types_of(s, [source.id])[source.id]
            group = db_groups.insert(
                s, type_ids, project_id=owner, user_id=ctx.get("user_id"), name=name,
                description=description, availability_zone=source.availability_zone,
                group_type_id=source.group_type_id, host=host,
                group_snapshot_id=group_snapshot_id, source_group_id=source_group_id,
                status=states.GROUP_STATUS.start(states.CREATING), updated_at=utcnow())
            casts = [(host, self._member(s, ctx, group.id, host, vol, snap).id)
                     for vol, snap in plan]
            return db_groups.records(s, [group])[0], casts

    @staticmethod
    def _from_group_snapshot(s: Session, group_snapshot_id: str,
                             project_id: str | None) -> tuple[Any, Plan]:
        gsnap = db_groups.get_snapshot(s, group_snapshot_id, project_id)
        if gsnap.status != states.AVAILABLE:
            raise InvalidGroup(reason=f"Group snapshot {gsnap.id} status must be available, but "
                                      f"current status is: {gsnap.status}")
        snapshots = db_groups.members(s, gsnap.id)
        if not snapshots:
            raise InvalidGroup(reason="Group snapshot is empty. No group will be created.")
        plan: Plan = []
        for snap in snapshots:
            if snap.status != states.AVAILABLE:
                raise InvalidGroup(reason=f"Snapshot {snap.id} status must be available.")
            plan.append((db_volumes.get(s, snap.volume_id), snap))
        return db_groups.get(s, gsnap.group_id), plan

    @staticmethod
    def _from_group(s: Session, group_id: str, project_id: str | None) -> tuple[Any, Plan]:
        group = db_groups.get(s, group_id, project_id)
        if group.status != states.AVAILABLE:
            raise InvalidGroup(reason=f"Source group {group.id} status must be available, but "
                                      f"current status is: {group.status}")
        volumes = db_groups.volumes_of(s, group.id)
        if not volumes:
            raise InvalidGroup(reason="Source Group is empty. No group will be created.")
        for vol in volumes:
            if vol.status not in (states.AVAILABLE, states.IN_USE):
                raise InvalidGroup(reason=f"Source volume {vol.id} status must be available or "
                                          f"in-use, but the current status is {vol.status}.")
        return group, [(vol, None) for vol in volumes]

    def _check_quota(self, s: Session, project_id: str, plan: Plan) -> None:
        sizes = [snap.size if snap is not None else vol.size for vol, snap in plan]
        self.quotas.check(s, project_id, volumes=len(plan), gigabytes=sum(sizes), groups=1)
        by_type: Counter[str] = Counter()
        gigs: Counter[str] = Counter()
        for (vol, _), size in zip(plan, sizes, strict=True):
            name = db_quota_classes.type_name(s, vol.volume_type_id)
            if name:
                by_type[name] += 1
                gigs[name] += size
        for name, number in by_type.items():
            self.quotas.check(s, project_id, volumes=number, gigabytes=gigs[name],
                              volume_type=name)

    def _member(self, s: Session, ctx: dict[str, Any], group_id: str, host: str,
                source: Volume, snap: Snapshot | None) -> Volume:
        """A new volume of the group, ``creating`` on its backend, from ``snap`` or a copy of
        ``source``; an encrypted source's copy gets a copy of its key."""
        owner = str(ctx["project_id"])
        source_key = snap.encryption_key_id if snap is not None else source.encryption_key_id
        if source_key and self.keys is None:
            raise InvalidInput(reason="This cloud has no key store for encrypted volumes.")
        key_id = self.keys.clone(s, source_key, owner) if source_key and self.keys else None
        return db_volumes.insert(
            s, project_id=owner, user_id=ctx.get("user_id"), name=None, description=None,
            size=snap.size if snap is not None else source.size,
            status=states.VOLUME_STATUS.start(states.CREATING),
            attach_status=states.VOLUME_ATTACH_STATUS.start(states.DETACHED),
            availability_zone=source.availability_zone, volume_type_id=source.volume_type_id,
            host=host, encryption_key_id=key_id,
            encryption=dict(source.encryption) if key_id and source.encryption else None,
            bootable=source.bootable, multiattach=source.multiattach,
            metadata_={}, image_metadata=dict(source.image_metadata or {}),
            snapshot_id=snap.id if snap is not None else None,
            source_volid=None if snap is not None else source.id,
            group_id=group_id, updated_at=utcnow())

