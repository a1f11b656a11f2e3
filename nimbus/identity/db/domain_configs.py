"""Queries on domain-specific configuration options."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.identity.db.models import DomainConfigOption


def options_of(s: Session, domain_id: str) -> list[DomainConfigOption]:
    return list(s.scalars(select(DomainConfigOption).filter_by(domain_id=domain_id)))


def has_options(s: Session, domain_id: str) -> bool:
    return s.scalar(select(DomainConfigOption.domain_id).filter_by(domain_id=domain_id)
                    .limit(1)) is not None


def delete_options(s: Session, domain_id: str, group: str | None = None,
                   option: str | None = None) -> None:
    """The domain's options: all, one group's, or one option."""
    stmt = delete(DomainConfigOption).where(DomainConfigOption.domain_id == domain_id)
    if group is not None:
        stmt = stmt.where(DomainConfigOption.group == group)
    if option is not None:
        stmt = stmt.where(DomainConfigOption.option == option)
    s.execute(stmt)

