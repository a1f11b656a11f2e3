"""Queries on RBAC policies: the grants, and what a grant lets a project see."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Condition, Listing, Text, page_of
from nimbus.network.db.models import RbacPolicy

SHARED = "access_as_shared"
EXTERNAL = "access_as_external"
WILDCARD = "*"

LISTING = Listing({
    "id": Text(RbacPolicy.id), "project_id": Text(RbacPolicy.project_id),
    "tenant_id": Text(RbacPolicy.project_id), "object_type": Text(RbacPolicy.object_type),
    "object_id": Text(RbacPolicy.object_id), "action": Text(RbacPolicy.action),
    "target_tenant": Text(RbacPolicy.target_project),
    "target_project": Text(RbacPolicy.target_project),
})


def _granted_ids(object_type: str, project_id: str | None,
                 actions: Iterable[str]) -> Any:
    return select(RbacPolicy.object_id).where(
        RbacPolicy.object_type == object_type, RbacPolicy.action.in_(list(actions)),
        RbacPolicy.target_project.in_([project_id or "", WILDCARD]))


def granted(id_column: Any, object_type: str, project_id: str | None,
            actions: Iterable[str] = (SHARED,)) -> Condition:
    """Rows whose object an RBAC policy opens to ``project_id`` (or to every project)."""
    return id_column.in_(_granted_ids(object_type, project_id, actions))  # type: ignore[no-any-return]


def grants(session: Session, object_type: str, object_id: str, project_id: str | None,
           actions: Iterable[str] = (SHARED,)) -> bool:
    stmt = _granted_ids(object_type, project_id, actions).where(
        RbacPolicy.object_id == object_id).limit(1)
    return session.scalar(stmt) is not None


def granted_among(session: Session, object_type: str, object_ids: Collection[str],
                  project_id: str | None, actions: Iterable[str] = (SHARED,)) -> set[str]:
    """Which of ``object_ids`` are opened to ``project_id``."""
    if not object_ids:
        return set()
    stmt = _granted_ids(object_type, project_id, actions).where(
        RbacPolicy.object_id.in_(list(object_ids)))
    return set(session.scalars(stmt))


def get(session: Session, policy_id: str) -> RbacPolicy | None:
    return session.get(RbacPolicy, policy_id)


def find(session: Session, object_type: str, object_id: str, action: str,
         target: str) -> RbacPolicy | None:
    return session.scalar(select(RbacPolicy).where(
        RbacPolicy.object_type == object_type, RbacPolicy.object_id == object_id,
        RbacPolicy.action == action, RbacPolicy.target_project == target))


def of_object(session: Session, object_type: str, object_id: str) -> list[RbacPolicy]:
    return list(session.scalars(select(RbacPolicy).where(
        RbacPolicy.object_type == object_type, RbacPolicy.object_id == object_id)
        .order_by(RbacPolicy.id)))


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[RbacPolicy]:
    return page_of(session, select(RbacPolicy).where(seen), LISTING, query, filters, hidden)


def user_projects(session: Session, table: Any, naming: Condition, owner: str,
                  target: str) -> set[str]:
    """The projects besides ``owner`` with rows of ``table`` that name the object
    (``naming``), only ``target`` unless it is every project."""
    stmt = select(table.project_id).where(naming, table.project_id != owner)
    if target != WILDCARD:
        stmt = stmt.where(table.project_id == target)
    return set(session.scalars(stmt))


def drop_for(session: Session, object_type: str, object_id: str) -> None:
    """The grants on an object that is going, as Neutron removes them with it."""
    session.execute(delete(RbacPolicy).where(RbacPolicy.object_type == object_type,
                                             RbacPolicy.object_id == object_id))
