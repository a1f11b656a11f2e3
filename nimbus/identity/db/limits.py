"""Queries on registered limits and project (or domain) limits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.identity.db.models import Limit, RegisteredLimit


def find_registered(s: Session, service_id: str, region_id: str | None, resource_name: str,
                    other_than: str | None = None) -> RegisteredLimit | None:
    stmt = select(RegisteredLimit).filter_by(service_id=service_id, region_id=region_id,
                                             resource_name=resource_name)
    if other_than is not None:
        stmt = stmt.where(RegisteredLimit.id != other_than)
    return s.scalar(stmt)


def list_registered(s: Session, filters: dict[str, Any]) -> list[RegisteredLimit]:
    return list(s.scalars(select(RegisteredLimit).filter_by(**filters)
                          .order_by(RegisteredLimit.id)))


def registered_in_use(s: Session, reg: RegisteredLimit) -> bool:
    """Whether a project or domain limit overrides this registered limit."""
    return s.scalar(select(Limit.id).filter_by(service_id=reg.service_id,
                                               region_id=reg.region_id,
                                               resource_name=reg.resource_name)
                    .limit(1)) is not None


def find_limit(s: Session, key: dict[str, Any]) -> Limit | None:
    return s.scalar(select(Limit).filter_by(**key))


def list_limits(s: Session, filters: dict[str, Any]) -> list[Limit]:
    return list(s.scalars(select(Limit).filter_by(**filters).order_by(Limit.id)))
