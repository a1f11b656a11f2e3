"""Quota limits and what they count: a project's (and its users') own limits where they differ
from the defaults, the quota classes' limits, and the servers counted against them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from nimbus.compute.db.models import Instance, Quota, QuotaClass, ServerGroup, UserQuota
from nimbus.core.db.engine import Database, retry_on_lock


def user_overrides(db: Database, project_id: str) -> dict[str, dict[str, int]]:
    """Every user's own limits in the project: ``{user_id: {resource: limit}}``."""
    with db.reader() as s:
        stmt = select(UserQuota).where(UserQuota.project_id == project_id)
        found: dict[str, dict[str, int]] = {}
        for row in s.scalars(stmt):
            found.setdefault(row.user_id, {})[row.resource] = int(row.hard_limit)
        return found


def class_overrides(db: Database, class_name: str) -> dict[str, int]:
    """The limits a quota class sets, by resource."""
    with db.reader() as s:
        stmt = select(QuotaClass).where(QuotaClass.class_name == class_name)
        return {row.resource: int(row.hard_limit) for row in s.scalars(stmt)}


@retry_on_lock()
def set_limits(db: Database, project_id: str, limits: dict[str, int],
               user_id: str | None = None) -> None:
    """Record ``limits`` as the project's own (or one of its users'), in one transaction."""
    with db.writer() as s:
        found: dict[str, Any]
        if user_id is None:
            found = {row.resource: row for row in
                     s.scalars(select(Quota).where(Quota.project_id == project_id))}
        else:
            found = {row.resource: row for row in s.scalars(select(UserQuota).where(
                UserQuota.project_id == project_id, UserQuota.user_id == user_id))}
        for resource, limit in limits.items():
            row = found.get(resource)
            if row is not None:
                row.hard_limit = limit
            elif user_id is None:
                s.add(Quota(project_id=project_id, resource=resource, hard_limit=limit))
            else:
                s.add(UserQuota(project_id=project_id, user_id=user_id, resource=resource,
                                hard_limit=limit))
        s.flush()


@retry_on_lock()
def set_class_limits(db: Database, class_name: str, limits: dict[str, int]) -> None:
    """Record ``limits`` as the quota class's, in one transaction."""
    with db.writer() as s:
        found = {row.resource: row for row in
                 s.scalars(select(QuotaClass).where(QuotaClass.class_name == class_name))}
        for resource, limit in limits.items():
            row = found.get(resource)
            if row is None:
                s.add(QuotaClass(class_name=class_name, resource=resource, hard_limit=limit))
            else:
                row.hard_limit = limit
        s.flush()


@retry_on_lock()
def reset(db: Database, project_id: str, user_id: str | None = None) -> None:
    """Forget the project's own limits, its users' with them (or only one user's): the
    defaults apply again."""
    with db.writer() as s:
        if user_id is None:
            s.execute(delete(Quota).where(Quota.project_id == project_id))
            s.execute(delete(UserQuota).where(UserQuota.project_id == project_id))
        else:
            s.execute(delete(UserQuota).where(UserQuota.project_id == project_id,
                                              UserQuota.user_id == user_id))


def limit_sets(db: Database, class_name: str, project_id: str
               ) -> tuple[dict[str, int], dict[str, int], dict[str, dict[str, int]]]:
    """In one read: the limits quota class ``class_name`` sets, the project's own, and each
    of its users' own (``{user_id: {resource: limit}}``)."""
    with db.reader() as s:
        classes = {row.resource: int(row.hard_limit) for row in
                   s.scalars(select(QuotaClass).where(QuotaClass.class_name == class_name))}
        own = {row.resource: int(row.hard_limit) for row in
               s.scalars(select(Quota).where(Quota.project_id == project_id))}
        users: dict[str, dict[str, int]] = {}
        for row in s.scalars(select(UserQuota).where(UserQuota.project_id == project_id)):
            users.setdefault(row.user_id, {})[row.resource] = int(row.hard_limit)
        return classes, own, users


def server_counts(db: Database, project_id: str) -> tuple[dict[str, tuple[int, int, int]], int]:
    """In one read, counted by the database rather than row by row: each user's servers in
    the project as (servers, vCPUs, MB of RAM) of their flavors, and the project's server
    groups."""
    with db.reader() as s:
        vcpus = func.coalesce(func.sum(Instance.flavor["vcpus"].as_integer()), 0)
        ram = func.coalesce(func.sum(Instance.flavor["ram"].as_integer()), 0)
        stmt = (select(Instance.user_id, func.count(), vcpus, ram)
                .where(Instance.project_id == project_id).group_by(Instance.user_id))
        per_user = {str(row[0]): (int(row[1]), int(row[2]), int(row[3]))
                    for row in s.execute(stmt)}
        groups = s.scalar(select(func.count()).select_from(ServerGroup)
                          .where(ServerGroup.project_id == project_id))
        return per_user, int(groups or 0)
