"""Queries on token revocation events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.identity.db.models import Project, RevocationEvent


def list_events(s: Session, since: dt.datetime | None = None) -> list[RevocationEvent]:
    stmt = select(RevocationEvent).order_by(RevocationEvent.id)
    if since is not None:
        stmt = stmt.where(RevocationEvent.revoked_at > since)
    return list(s.scalars(stmt))


def newest_event_id(s: Session) -> int:
    return int(s.scalar(select(func.max(RevocationEvent.id))) or 0)


def domain_of_project(s: Session, project_id: str) -> str | None:
    return s.scalar(select(Project.domain_id).filter_by(id=project_id))
