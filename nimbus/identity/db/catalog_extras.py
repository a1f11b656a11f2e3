"""Queries on policy blobs and OS-EP-FILTER's endpoint groups and project associations."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.identity.db.catalog_models import (
    EndpointGroup,
    PolicyBlob,
    ProjectEndpoint,
    ProjectEndpointGroup,
)


def list_policies(s: Session, type_: str | None = None) -> list[PolicyBlob]:
    stmt = select(PolicyBlob).order_by(PolicyBlob.type, PolicyBlob.id)
    if type_:
        stmt = stmt.filter_by(type=type_)
    return list(s.scalars(stmt))


def list_groups(s: Session, name: str | None = None) -> list[EndpointGroup]:
    stmt = select(EndpointGroup).order_by(EndpointGroup.name)
    if name:
        stmt = stmt.filter_by(name=name)
    return list(s.scalars(stmt))


def delete_group(s: Session, group: EndpointGroup) -> None:
    """An endpoint group and its project associations."""
    s.execute(delete(ProjectEndpointGroup).filter_by(endpoint_group_id=group.id))
    s.delete(group)


def project_ids_of_group(s: Session, group_id: str) -> list[str]:
    return list(s.scalars(select(ProjectEndpointGroup.project_id)
                          .filter_by(endpoint_group_id=group_id)))


def groups_of_project(s: Session, project_id: str) -> list[EndpointGroup]:
    ids = select(ProjectEndpointGroup.endpoint_group_id).filter_by(project_id=project_id)
    return list(s.scalars(select(EndpointGroup).where(EndpointGroup.id.in_(ids))))


def endpoint_ids_of_project(s: Session, project_id: str) -> set[str]:
    return set(s.scalars(select(ProjectEndpoint.endpoint_id).filter_by(project_id=project_id)))


def project_ids_of_endpoint(s: Session, endpoint_id: str) -> list[str]:
    return list(s.scalars(select(ProjectEndpoint.project_id).filter_by(endpoint_id=endpoint_id)))
