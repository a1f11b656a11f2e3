"""Queries of container sync: the containers that sync somewhere, what changed in one, and
what was deleted from it."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.object.db.models import Account, Container, Deletion, Object


def with_sysmeta(tx: Session) -> list[tuple[str, Container]]:
    """Every container with system metadata (the sync settings among it), and its account."""
    stmt = select(Account.name, Container).join(Account, Container.account_id == Account.id) \
        .where(Container.sysmeta.is_not(None)).order_by(Container.id)
    return [(str(name), row) for name, row in tx.execute(stmt)]


def changed_since(tx: Session, container_id: int, point: str, limit: int) -> list[Object]:
    """Up to ``limit`` objects of the container written or posted after ``point``, oldest
    first."""
    stmt = select(Object).where(Object.container_id == container_id, Object.meta_ts > point) \
        .order_by(Object.meta_ts, Object.id).limit(limit)
    return list(tx.scalars(stmt))


def record_deletion(tx: Session, container_id: int, name: str, stamp: str) -> None:
    tx.add(Deletion(container_id=container_id, name=name, deleted_ts=stamp))


def deleted_since(tx: Session, container_id: int, point: str, limit: int) -> list[Deletion]:
    """Up to ``limit`` deletions from the container after ``point``, oldest first."""
    stmt = select(Deletion).where(Deletion.container_id == container_id,
                                  Deletion.deleted_ts > point) \
        .order_by(Deletion.deleted_ts, Deletion.id).limit(limit)
    return list(tx.scalars(stmt))


def forget_deletions(tx: Session, container_id: int, through: str | None = None) -> None:
    """Drop the container's deletions up to ``through`` (carried), or all of them."""
    stmt = delete(Deletion).where(Deletion.container_id == container_id)
    if through is not None:
        stmt = stmt.where(Deletion.deleted_ts <= through)
    tx.execute(stmt)
