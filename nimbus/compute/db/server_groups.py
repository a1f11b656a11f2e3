"""Server groups, their members, and placing a member on a host without breaking its group's
policy when other schedulers place members of the same group at the same moment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from nimbus.compute.db import instances
from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import Instance, ServerGroup, ServerGroupMember
from nimbus.core.db.engine import Database, retry_on_lock


@dataclass(frozen=True)
class GroupPlacement:
    """What scheduling a member needs to know of its group: its policy and where the other
    members already are (host -> how many of them)."""

    uuid: str
    policy: str
    rules: dict[str, Any]
    hosts: dict[str, int]


def find_group(db: Database, uuid: str, project_id: str | None = None) -> ServerGroup | None:
    """The group, or None; with ``project_id``, only a group of that project."""
    if not storable_id(uuid, 36):
        return None
    with db.reader() as s:
        stmt = select(ServerGroup).filter_by(uuid=uuid)
        if project_id is not None:
            stmt = stmt.filter_by(project_id=project_id)
        return s.scalar(stmt)


def list_groups(db: Database, project_id: str | None, limit: int,
                offset: int) -> list[ServerGroup]:
    """Groups in the order they were made (one project's, or all with None), as Nova pages
    them: ``offset`` skipped, at most ``limit``."""
    with db.reader() as s:
        stmt = select(ServerGroup)
        if project_id is not None:
            stmt = stmt.filter_by(project_id=project_id)
        return list(s.scalars(stmt.order_by(ServerGroup.id).offset(offset).limit(limit)))


def count_groups(db: Database, project_id: str) -> int:
    with db.reader() as s:
        stmt = select(func.count()).select_from(ServerGroup).filter_by(project_id=project_id)
        return int(s.scalar(stmt) or 0)


@retry_on_lock()
def create_group(db: Database, values: dict[str, Any]) -> ServerGroup:
    with db.writer() as s:
        row = ServerGroup(**values)
        s.add(row)
        s.flush()
        return row


@retry_on_lock()
def delete_group(db: Database, uuid: str) -> bool:
    """Delete the group (its memberships go with it); False when it was already gone."""
    with db.writer() as s:
        row = s.scalar(select(ServerGroup).filter_by(uuid=uuid))
        if row is None:
            return False
        s.execute(delete(ServerGroupMember).filter_by(group_id=row.id))
        s.delete(row)
        return True


def members_of(db: Database, group_ids: Sequence[int]) -> dict[int, list[str]]:
    """The member servers of each group, in the order they joined. A deleted server's
    membership is gone with it (the key cascades), so every one listed still exists."""
    found: dict[int, list[str]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return found
    with db.reader() as s:
        stmt = (select(ServerGroupMember.group_id, ServerGroupMember.instance_uuid)
                .where(ServerGroupMember.group_id.in_(list(group_ids)))
                .order_by(ServerGroupMember.id))
        for group_id, uuid in s.execute(stmt):
            found[group_id].append(uuid)
    return found


def groups_of_instance(db: Database, instance_uuid: str) -> list[str]:
    """The uuids of the groups the server is in (at most one)."""
    with db.reader() as s:
        stmt = (select(ServerGroup.uuid)
                .join(ServerGroupMember, ServerGroupMember.group_id == ServerGroup.id)
                .where(ServerGroupMember.instance_uuid == instance_uuid))
        return list(s.scalars(stmt))


@retry_on_lock()
def add_member(db: Database, group_id: int, instance_uuid: str) -> None:
    """Make the server a member; called inside the writer that records the server, so that a
    server is never seen without the group it was created in."""
    with db.writer() as s:
        s.add(ServerGroupMember(group_id=group_id, instance_uuid=instance_uuid))
        s.flush()


def _placement(s: Session, group: ServerGroup, exclude: str) -> GroupPlacement:
    stmt = (select(Instance.host, func.count())
            .join(ServerGroupMember, ServerGroupMember.instance_uuid == Instance.uuid)
            .where(ServerGroupMember.group_id == group.id, Instance.host.is_not(None),
                   Instance.uuid != exclude)
            .group_by(Instance.host))
    hosts = {str(host): int(count) for host, count in s.execute(stmt)}
    return GroupPlacement(group.uuid, group.policy, dict(group.rules or {}), hosts)


def placement_of(db: Database, group_uuid: str, exclude: str) -> GroupPlacement | None:
    """The group's policy and its other members' hosts; None when the group is gone."""
    if not storable_id(group_uuid, 36):
        return None
    with db.reader() as s:
        group = s.scalar(select(ServerGroup).filter_by(uuid=group_uuid))
        return None if group is None else _placement(s, group, exclude)


@retry_on_lock()
def place_member(db: Database, group_uuid: str, instance_uuid: str,
                 fits: Callable[[GroupPlacement], bool], expected_task: Any,
                 **values: Any) -> tuple[bool, Instance | None]:
    """Give the server its host (``values``, as ``update_instance`` writes them) only if its
    group still allows it: ``fits`` is asked about the other members' hosts as committed now.

    The group's row is locked first (``FOR UPDATE``; SQLite writers are serialised anyway), so
    two schedulers placing members of one group are ordered: the second sees where the first
    put its member, and a policy two concurrent choices would break together is refused to
    the second one. (False, None) when refused; (True, row or None) otherwise, as
    ``update_instance`` answers. A group deleted meanwhile no longer constrains anything."""
    with db.writer() as s:
        group = s.scalar(select(ServerGroup).filter_by(uuid=group_uuid).with_for_update())
        if group is not None and not fits(_placement(s, group, instance_uuid)):
            return False, None
        return True, instances.update_instance(db, instance_uuid, expected_task=expected_task,
                                               **values)
