"""Queries of container sync: the containers that sync somewhere, and what changed in one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.object.db.models import Account, Container, Object


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
