"""Queries on the service registry's rows (which worker runs where, and when it last beat)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.models import ServiceRecord


def find(session: Session, binary: str, host: str) -> ServiceRecord | None:
    return session.scalar(select(ServiceRecord).filter_by(binary=binary, host=host))


def listing(session: Session, binary: str | None = None) -> Sequence[ServiceRecord]:
    stmt = select(ServiceRecord).order_by(ServiceRecord.id)
    if binary:
        stmt = stmt.filter_by(binary=binary)
    return session.scalars(stmt).all()
