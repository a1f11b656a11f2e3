"""Queries on regions, services and endpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.identity.db.models import Endpoint, Region, Service

ENDPOINT_FILTERS = ("service_id", "interface", "region_id")


def list_regions(s: Session, parent_region_id: str | None = None) -> list[Region]:
    stmt = select(Region).order_by(Region.id)
    if parent_region_id:
        stmt = stmt.filter_by(parent_region_id=parent_region_id)
    return list(s.scalars(stmt))


def has_child_regions(s: Session, region_id: str) -> bool:
    return s.scalar(select(Region.id).filter_by(parent_region_id=region_id).limit(1)) is not None


def list_services(s: Session, type_: str | None = None, name: str | None = None,
                  enabled_only: bool = False) -> list[Service]:
    stmt = select(Service).order_by(Service.type)
    if type_:
        stmt = stmt.filter_by(type=type_)
    if name:
        stmt = stmt.filter_by(name=name)
    if enabled_only:
        stmt = stmt.filter_by(enabled=True)
    return list(s.scalars(stmt))


def delete_service(s: Session, service: Service) -> None:
    """A service and its endpoints."""
    s.execute(delete(Endpoint).where(Endpoint.service_id == service.id))
    s.delete(service)


def list_endpoints(s: Session, filters: dict[str, Any], enabled_only: bool = False,
                   ids: set[str] | None = None) -> list[Endpoint]:
    """Endpoints matching ``service_id``, ``interface`` and ``region_id`` (those given)."""
    stmt = select(Endpoint)
    for key in ENDPOINT_FILTERS:
        if filters.get(key):
            stmt = stmt.filter_by(**{key: filters[key]})
    if enabled_only:
        stmt = stmt.filter_by(enabled=True)
    if ids is not None:
        stmt = stmt.where(Endpoint.id.in_(ids))
    return list(s.scalars(stmt))
