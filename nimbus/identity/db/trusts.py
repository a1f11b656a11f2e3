"""Queries on trusts (OS-TRUST)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nimbus.identity.db.models import Trust


def list_trusts(s: Session, trustor_user_id: str | None = None,
                trustee_user_id: str | None = None) -> list[Trust]:
    """Trusts not deleted, of this trustor and trustee when given."""
    stmt = select(Trust).where(Trust.deleted_at.is_(None))
    if trustor_user_id:
        stmt = stmt.filter_by(trustor_user_id=trustor_user_id)
    if trustee_user_id:
        stmt = stmt.filter_by(trustee_user_id=trustee_user_id)
    return list(s.scalars(stmt))


def redelegated_from(s: Session, trust_id: str) -> list[Trust]:
    """The live trusts redelegated from ``trust_id``."""
    return list(s.scalars(select(Trust).filter_by(redelegated_trust_id=trust_id,
                                                  deleted_at=None)))


def take_use(s: Session, trust_id: str, remaining: int) -> bool:
    """Count one use if ``remaining`` is still what is stored (compare-and-set)."""
    done = s.execute(update(Trust).where(Trust.id == trust_id,
                                         Trust.remaining_uses == remaining)
                     .values(remaining_uses=remaining - 1))
    return getattr(done, "rowcount", 1) == 1


def delete_trusts_of(s: Session, user_id: str, when: dt.datetime) -> None:
    """Soft-delete every live trust the user is trustor or trustee of."""
    s.execute(update(Trust).where(
        (Trust.trustor_user_id == user_id) | (Trust.trustee_user_id == user_id),
        Trust.deleted_at.is_(None)).values(deleted_at=when))
