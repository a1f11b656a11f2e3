"""Queries on SQL users, their password history, groups and group membership."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.identity.db import listing
from nimbus.identity.db.models import Assignment, Group, GroupMembership, Password, User


def user_by_name(s: Session, domain_id: str, name: str) -> User | None:
    return s.scalar(select(User).filter_by(domain_id=domain_id, name=name))


def users_stmt(filters: dict[str, Any]) -> Select[Any]:
    """Users matching ``name``, ``domain_id``, ``enabled`` and membership of ``group_id``."""
    stmt = select(User)
    for key in ("name", "domain_id", "enabled"):
        if filters.get(key) is not None:
            stmt = stmt.filter_by(**{key: filters[key]})
    if filters.get("group_id"):
        stmt = stmt.join(GroupMembership, GroupMembership.user_id == User.id).where(
            GroupMembership.group_id == filters["group_id"])
    return stmt


def list_users(s: Session, filters: dict[str, Any]) -> list[User]:
    return list(s.scalars(users_stmt(filters).order_by(User.name)))


def page_users(s: Session, filters: dict[str, Any], query: PageQuery,
               max_limit: int) -> Page[User]:
    return listing.by_id(s, users_stmt(filters), User, query, max_limit)


def delete_user(s: Session, user: User) -> None:
    """A user and the role assignments naming them (memberships and passwords cascade)."""
    s.execute(delete(Assignment).where(Assignment.actor_id == user.id))
    s.delete(user)


# -- passwords ----------------------------------------------------------------------------------
def current_password(s: Session, user_id: str) -> Password | None:
    """The newest password row: the one in force."""
    return s.scalar(select(Password).filter_by(user_id=user_id)
                    .order_by(Password.id.desc()).limit(1))


def recent_passwords(s: Session, user_id: str, count: int) -> list[Password]:
    return list(s.scalars(select(Password).filter_by(user_id=user_id)
                          .order_by(Password.id.desc()).limit(count)))


def password_expiry(s: Session, user_ids: Iterable[str]) -> dict[str, dt.datetime | None]:
    """When each user's current password expires (users without one are left out)."""
    ids = list(user_ids)
    if not ids:
        return {}
    newest = (select(func.max(Password.id)).where(Password.user_id.in_(ids))
              .group_by(Password.user_id))
    rows = s.execute(select(Password.user_id, Password.expires_at)
                     .where(Password.id.in_(newest.scalar_subquery())))
    return {user_id: expires for user_id, expires in rows}


# -- groups -------------------------------------------------------------------------------------
def group_by_name(s: Session, domain_id: str, name: str) -> Group | None:
    return s.scalar(select(Group).filter_by(domain_id=domain_id, name=name))


def groups_stmt(filters: dict[str, Any], user_id: str | None = None) -> Select[Any]:
    """Groups matching ``name`` and ``domain_id``, and those ``user_id`` belongs to."""
    stmt = select(Group)
    for key in ("name", "domain_id"):
        if filters.get(key) is not None:
            stmt = stmt.filter_by(**{key: filters[key]})
    if user_id:
        stmt = stmt.join(GroupMembership, GroupMembership.group_id == Group.id).where(
            GroupMembership.user_id == user_id)
    return stmt


def list_groups(s: Session, filters: dict[str, Any], user_id: str | None = None) -> list[Group]:
    return list(s.scalars(groups_stmt(filters, user_id).order_by(Group.name)))


def page_groups(s: Session, filters: dict[str, Any], query: PageQuery,
                max_limit: int) -> Page[Group]:
    return listing.by_id(s, groups_stmt(filters), Group, query, max_limit)


def delete_group(s: Session, group: Group) -> None:
    s.execute(delete(Assignment).where(Assignment.actor_id == group.id))
    s.delete(group)


def group_ids_of(s: Session, user_id: str) -> list[str]:
    return list(s.scalars(select(GroupMembership.group_id).filter_by(user_id=user_id)))


def memberships(s: Session) -> list[tuple[str, str]]:
    """Every (group id, user id) pair, for the effective role-assignment view."""
    return [(g, u) for g, u in s.execute(select(GroupMembership.group_id,
                                                GroupMembership.user_id))]
