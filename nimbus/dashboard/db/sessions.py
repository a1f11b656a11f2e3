"""Queries of the sessions table."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from nimbus.dashboard.db.models import WebSession


def get(tx: Session, session_id: str) -> WebSession | None:
    return tx.get(WebSession, session_id)


def add(tx: Session, row: WebSession) -> None:
    tx.add(row)


def remove(tx: Session, session_id: str) -> None:
    tx.execute(delete(WebSession).where(WebSession.id == session_id))


def remove_expired(tx: Session, now: float) -> None:
    tx.execute(delete(WebSession).where(WebSession.expires_at < now))
