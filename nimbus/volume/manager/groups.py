"""Generic volume groups: made, changed, deleted with their volumes, reset by an operator.

A generic group needs nothing made on its backend, so a new group is ``available`` as soon as
it has a backend (``error`` when none is up, as Cinder's scheduler leaves it). Its volumes live
on its backend: one created into the group is placed there. Deleting a group with its volumes
marks them ``deleting`` and casts their deletion; the agent removes the group with its last
volume (``db/groups.settle_group``). A group made from a source (``group_sources.py``) is
``creating`` until its volumes are made.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.registry import Registry
from nimbus.volume import states
from nimbus.volume.constants import AVAILABILITY_ZONES
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import group_types as db_group_types
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.groups import GroupFilters
from nimbus.volume.db.models import Volume
from nimbus.volume.errors import (
    InvalidGroup,
    InvalidGroupType,
    InvalidInput,
    InvalidVolume,
    VolumeNotFound,
)
from nimbus.volume.manager import hosts, scheduler
from nimbus.volume.manager.group_sources import GroupSources
from nimbus.volume.manager.keys import KeyStore
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.manager.scheduler import Scheduler
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]

__all__ = ["GroupFilters", "GroupManager"]


def split_ids(text: str | None) -> list[str]:
    """``add_volumes``/``remove_volumes``: volume ids separated by commas."""
    return [part.strip() for part in (text or "").strip(",").split(",") if part.strip()]


class GroupManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, types: TypeManager,
                 quotas: QuotaManager, registry: Registry, scheduler: Scheduler,
                 keys: KeyStore | None = None) -> None:
        self.db = database
        self.scheduler = scheduler
        self.rpc = rpc
        self.types = types
        self.quotas = quotas
        self.registry = registry
        self.sources = GroupSources(database, rpc, quotas, registry, keys)

    # -- reads ----------------------------------------------------------------------------------
    def get(self, group_id: str, project_id: str | None, with_volumes: bool = False) -> Record:
        with self.db.reader() as s:
            return db_groups.records(s, [db_groups.get(s, group_id, project_id)],
                                     with_volumes)[0]

    def listing(self, filters: GroupFilters, query: PageQuery,
                with_volumes: bool = False) -> Page[Record]:
        with self.db.reader() as s:
            found = db_groups.listing(s, filters, query)
            return Page(db_groups.records(s, found.items, with_volumes), more=found.more,
                        previous=found.previous, sort=found.sort)

    # -- create ---------------------------------------------------------------------------------
    def create(self, ctx: dict[str, Any], name: str | None, description: str | None,
               group_type: str, volume_types: list[str], zone: str | None) -> Record:
        """Record the group on a backend that is up; every named type must exist."""
        found_types = [self.types.get(ref) for ref in volume_types]
        type_ids = [t["id"] for t in found_types]
        zone = zone or AVAILABILITY_ZONES[0]
        if zone not in self.scheduler.zones(ctx) | set(AVAILABILITY_ZONES):
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        with self.db.reader() as s:
            group_type_id = db_group_types.by_ref(s, group_type).id
            frozen = db_backends.frozen_hosts(s)
        # The group's backend must take volumes of every one of its types.
        fits = None
        for vtype in found_types or [{}]:
            request = scheduler.Request(zone=zone, skip=frozen,
                                        specs=dict(vtype.get("extra_specs") or {}))
            these = self.scheduler.candidates(ctx, request)
            fits = these if fits is None else [b for b in fits if b in these]
        host = hosts.with_pool(fits[0]) if fits else None
        return self._insert(ctx, name, description, group_type_id, type_ids, zone, host)

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], name: str | None, description: str | None,
                group_type_id: str, type_ids: list[str], zone: str, host: str | None) -> Record:
        project_id = str(ctx["project_id"])
        with self.db.writer() as s:
            self.quotas.check(s, project_id, groups=1)
            row = db_groups.insert(
                s, type_ids, project_id=project_id, user_id=ctx.get("user_id"), name=name,
                description=description, availability_zone=zone, group_type_id=group_type_id,
                host=host, status=states.GROUP_STATUS.start(states.AVAILABLE if host else states.ERROR),
                updated_at=utcnow())
            return db_groups.records(s, [row])[0]

    def create_from_src(self, ctx: dict[str, Any], name: str | None, description: str | None,
                        group_snapshot_id: str | None, source_group_id: str | None,
                        project_id: str | None) -> Record:
        """A group of copies of a source group's volumes, or of a group snapshot's."""
        return self.sources.create_from_src(ctx, name, description, group_snapshot_id,
                                            source_group_id, project_id)

    # -- update ---------------------------------------------------------------------------------
    @retry_on_lock()
    def update(self, group_id: str, project_id: str | None, name: str | None,
               description: str | None, add_volumes: str | None,
               remove_volumes: str | None) -> Record:
        """Rename the group, or move volumes into and out of it (done here: a generic group's
        membership is only the volumes' ``group_id``)."""
        adding, removing = split_ids(add_volumes), split_ids(remove_volumes)
        both = sorted(set(adding) & set(removing))
        if both:
            raise InvalidVolume(reason=f"UUIDs {both} are in both add and remove volume list.")
        with self.db.writer() as s:
            row = db_groups.get(s, group_id, project_id, lock=True)
            members = {v.id: v for v in db_groups.volumes_of(s, row.id)}
            to_add = [self._addable(s, row, vid) for vid in adding if vid not in members]
            to_remove = [self._removable(row, members, vid) for vid in removing]
            name = None if name == row.name else name
            description = None if description == row.description else description
            if name is None and description is None and not to_add and not to_remove:
                raise InvalidGroup(reason=f"Cannot update group {row.id} because no valid name, "
                                          f"description, add_volumes, or remove_volumes were "
                                          f"provided.")
            if (to_add or to_remove) and row.status != states.AVAILABLE:
                raise InvalidGroup(reason="Group status must be available.")
            if to_add or to_remove:
                db_backends.assert_not_frozen(s, row.host)
            for vol in to_add:
                vol.group_id = row.id
            for vol in to_remove:
                vol.group_id = None
            if name is not None:
                row.name = name
            if description is not None:
                row.description = description
            row.updated_at = utcnow()
            s.flush()
            return db_groups.records(s, [row])[0]

    def _addable(self, s: Any, group: Any, volume_id: str) -> Volume:
        """A volume that may join the group, as Cinder checks it."""
        def refuse(why: str) -> InvalidVolume:
            return InvalidVolume(reason=f"Cannot add volume {volume_id} to group {group.id} "
                                        f"{why}")
        try:
            vol = db_volumes.get(s, volume_id)
        except VolumeNotFound:
            raise refuse("because volume cannot be found.") from None
        if vol.group_id:
            raise refuse(f"because it is already in group {vol.group_id}.")
        if vol.project_id != group.project_id:
            raise refuse("as they belong to different projects.")
        if not vol.volume_type_id:
            raise refuse("because it has no volume type.")
        if vol.volume_type_id not in db_groups.volume_types_of(s, [group.id])[group.id]:
            raise refuse(f"because volume type {vol.volume_type_id} is not supported by the "
                         f"group.")
        if vol.status not in states.GROUP_ADD_VOLUME_STATUSES:
            raise refuse(f"because volume is in an invalid state: {vol.status}. Valid states "
                         f"are: {sorted(states.GROUP_ADD_VOLUME_STATUSES)}.")
        if db_backends.backend_of(vol.host) != db_backends.backend_of(group.host):
            raise InvalidVolume(reason="Volume is not local to this node.")
        return vol

    @staticmethod
    def _removable(group: Any, members: dict[str, Volume], volume_id: str) -> Volume:
        vol = members.get(volume_id)
        if vol is None:
            raise InvalidVolume(reason=f"Cannot remove volume {volume_id} from group {group.id} "
                                       f"because it is not in the group.")
        if vol.status not in states.GROUP_REMOVE_VOLUME_STATUSES:
            raise InvalidVolume(reason=f"Cannot remove volume {volume_id} from group {group.id} "
                                       f"because volume is in an invalid state: {vol.status}. "
                                       f"Valid states are: {sorted(states.GROUP_REMOVE_VOLUME_STATUSES)}.")
        return vol

    # -- delete ---------------------------------------------------------------------------------
    def delete(self, ctx: dict[str, Any], group_id: str, project_id: str | None,
               delete_volumes: bool) -> None:
        for host, volume_id in self._mark_deleting(group_id, project_id, delete_volumes):
            self.rpc.delete_volume(ctx, host, volume_id)

    @retry_on_lock()
    def _mark_deleting(self, group_id: str, project_id: str | None,
                       delete_volumes: bool) -> list[tuple[str, str]]:
        """The group and its volumes ``deleting``; the (host, volume) deletions to cast."""
        with self.db.writer() as s:
            row = db_groups.get(s, group_id, project_id, lock=True)
            volumes = db_groups.volumes_of(s, row.id)
            if not row.host and not volumes:
                db_groups.remove(s, row)
                return []
            db_backends.assert_not_frozen(s, row.host)
            if not delete_volumes and row.status not in states.GROUP_DELETABLE:
                raise InvalidGroup(reason=f"Group status must be available or error, but "
                                          f"current status is: {row.status}")
            if db_groups.snapshots_of_group(s, row.id):
                raise InvalidGroup(reason="Group has existing snapshots.")
            if volumes and not delete_volumes:
                raise InvalidGroup(reason=f"Group {row.id} still contains volumes. The "
                                          f"delete-volumes flag is required to delete it.")
            for vol in volumes:
                if vol.attach_status == states.ATTACHED or db_attachments.live_count(s, vol.id):
                    raise InvalidGroup(reason=f"Volume in group {row.id} is attached. Need to "
                                              f"detach first.")
                if db_snapshots.of_volume(s, vol.id):
                    raise InvalidGroup(reason="Volume in group still has dependent snapshots.")
            if db_groups.creating_from(s, group_id=row.id):
                raise InvalidGroup(reason=f"Cannot delete group {row.id}. It is the source for "
                                          f"an ongoing group creation.")
            casts: list[tuple[str, str]] = []
            for vol in volumes:
                states.VOLUME_STATUS.move(vol, states.DELETING)
                vol.updated_at = utcnow()
                if vol.host:
                    casts.append((vol.host, vol.id))
                else:
                    # Never placed: nothing exists on any backend.
                    db_volumes.remove(s, vol)
            if not casts:
                db_groups.remove(s, row)
                return []
            states.GROUP_STATUS.move(row, states.DELETING)
            row.updated_at = utcnow()
            return casts

    # -- operator's actions ---------------------------------------------------------------------
    @retry_on_lock()
    def reset_status(self, group_id: str, status: str) -> None:
        with self.db.writer() as s:
            row = db_groups.get(s, group_id, lock=True)
            states.GROUP_STATUS_RESET.move(row, status)
            row.updated_at = utcnow()

    def replication(self, group_id: str, project_id: str | None) -> None:
        """Enable, disable, fail over or list a group's replication: refused, as Cinder refuses
        it for a group whose type or backend does not replicate (no backend here does)."""
        group = self.get(group_id, project_id)
        with self.db.reader() as s:
            specs = db_group_types.get(s, group["group_type_id"]).group_specs or {}
        if str(specs.get("group_replication_enabled", "")).replace(" ", "").lower() \
                != "<is>true":
            raise InvalidGroupType(reason=f"Group {group['id']} is not a replication group "
                                          f"type.")
        for type_id in group["volume_type_ids"]:
            extra = self.types.get(type_id).get("extra_specs") or {}
            if str(extra.get("replication_enabled", "")).replace(" ", "").lower() != "<is>true":
                raise InvalidGroupType(reason=f"Volume type {type_id} does not have "
                                              f"'replication_enabled' spec key set to "
                                              f"'<is> True'.")
        raise InvalidGroup(reason=f"The backend of group {group['id']} does not support "
                                  f"replication.")
