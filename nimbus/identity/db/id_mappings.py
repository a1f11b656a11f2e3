"""Queries on the public ids of users and groups that live in a directory."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from nimbus.identity.db.models import IdMapping


def delete_mappings_of(s: Session, domain_id: str) -> None:
    """Every public-id mapping of a domain's users and groups."""
    s.execute(delete(IdMapping).where(IdMapping.domain_id == domain_id))
