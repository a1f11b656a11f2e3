"""Object index rows: found through a hash of the name (names reach 1,024 bytes), and the live
rows of a prefix (a dynamic large object's segments)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from nimbus.object.db.models import Account, Container, Object


def name_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def live(now: float) -> ColumnElement[bool]:
    """Objects whose X-Delete-At has not passed at ``now``: expired ones are gone for clients."""
    return or_(Object.delete_at.is_(None), Object.delete_at > int(now))


def find(session: Session, container_id: int, name: str) -> Object | None:
    return session.scalars(select(Object).where(
        Object.container_id == container_id, Object.name_hash == name_hash(name))).first()


def add(session: Session, container_id: int, name: str) -> Object:
    """A new row for ``name``; the caller fills in the version it records."""
    row = Object(container_id=container_id, name=name, name_hash=name_hash(name))
    session.add(row)
    return row


def remove(session: Session, row: Object) -> None:
    session.delete(row)


def upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            return prefix[:-1] + chr(last + 1)
        prefix = prefix[:-1]
    return None


def with_prefix(session: Session, container_id: int, prefix: str, now: float) -> list[Object]:
    """The live objects of a container whose names start with ``prefix``, in name order."""
    stmt = select(Object).where(Object.container_id == container_id, live(now))
    if prefix:
        stmt = stmt.where(Object.name >= prefix)
        upper = upper_bound(prefix)
        if upper is not None:
            stmt = stmt.where(Object.name < upper)
    return list(session.scalars(stmt.order_by(Object.name)))


@dataclass(frozen=True)
class Version:
    """One object's indexed version, named in full (for the driver) and by its row id."""

    id: int
    account: str
    container: str
    name: str
    data_ts: str
    delete_at: int | None = None


def _named(stmt: Any) -> Any:
    return stmt.join(Container, Object.container_id == Container.id) \
        .join(Account, Container.account_id == Account.id)


def expired(session: Session, now: float, limit: int,
            where: tuple[str, str] | None = None) -> list[Version]:
    """Up to ``limit`` objects whose X-Delete-At has passed at ``now``, the longest gone first
    (only those of the container ``where`` names as (account, container), when given)."""
    stmt = _named(select(Object.id, Account.name, Container.name, Object.name, Object.data_ts,
                         Object.delete_at)
                  .where(Object.delete_at.is_not(None), Object.delete_at <= int(now)))
    if where is not None:
        stmt = stmt.where(Account.name == where[0], Container.name == where[1])
    rows = session.execute(stmt.order_by(Object.delete_at, Object.id).limit(limit))
    return [Version(*row) for row in rows]


def indexed(session: Session, account: str, container: str, name: str) -> str | None:
    """The version (``data_ts``) the index names for the object, or None."""
    stmt = _named(select(Object.data_ts)).where(
        Account.name == account, Container.name == container, Object.name_hash == name_hash(name))
    found = session.scalars(stmt).first()
    return str(found) if found is not None else None


def get(session: Session, object_id: int) -> Object | None:
    return session.get(Object, object_id)
