"""Metadata-definition rows: namespaces (paged in SQL) and the items they hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import NimbusError
from nimbus.image.db.models import MetadefItem, MetadefNamespace

SORT_COLUMNS: dict[str, Any] = {
    "namespace": MetadefNamespace.namespace, "created_at": MetadefNamespace.created_at,
    "updated_at": MetadefNamespace.updated_at, "id": MetadefNamespace.id,
}
SORT_KEYS = tuple(SORT_COLUMNS)


def _visible(project_id: str | None, is_admin: bool) -> ColumnElement[bool]:
    if is_admin:
        return MetadefNamespace.id.is_not(None)
    return (MetadefNamespace.visibility == "public") | (
        MetadefNamespace.owner == (project_id or ""))


def by_name(session: Session, name: str) -> MetadefNamespace | None:
    return session.execute(select(MetadefNamespace).where(
        MetadefNamespace.namespace == name)).scalar_one_or_none()


def name_taken(session: Session, name: str) -> bool:
    return session.execute(select(MetadefNamespace.id).where(
        MetadefNamespace.namespace == name)).first() is not None


def list_page(session: Session, project_id: str | None, is_admin: bool, query: PageQuery, *,
              visibility: str | None, resource_types: list[str], max_limit: int,
              bad_marker: Callable[[str], NimbusError]) -> Page[MetadefNamespace]:
    """One page of the namespaces the caller may see, filtered in SQL; markers are names."""
    seen = select(MetadefNamespace).where(_visible(project_id, is_admin))
    stmt = seen
    if visibility:
        stmt = stmt.where(MetadefNamespace.visibility == visibility)
    if resource_types:
        stmt = stmt.where(exists().where(MetadefItem.namespace_id == MetadefNamespace.id,
                                         MetadefItem.kind == "resource_type",
                                         MetadefItem.name.in_(resource_types)))
    found: Page[MetadefNamespace] = page(
        session, stmt, query, columns=SORT_COLUMNS, default_sort=(("created_at", "desc"),),
        marker_column=MetadefNamespace.namespace.expression, marker_stmt=seen, max_limit=max_limit,
        bad_marker=bad_marker)
    return found


def items(session: Session, namespace_id: str, kind: str | None) -> list[MetadefItem]:
    stmt = select(MetadefItem).where(MetadefItem.namespace_id == namespace_id)
    if kind:
        stmt = stmt.where(MetadefItem.kind == kind)
    return list(session.execute(stmt.order_by(MetadefItem.created_at,
                                              MetadefItem.name)).scalars())


def get_item(session: Session, namespace_id: str, kind: str, name: str) -> MetadefItem | None:
    return session.get(MetadefItem, (namespace_id, kind, name))


def delete_items(session: Session, namespace_id: str, kind: str | None) -> None:
    """Delete the namespace's items (of ``kind``, or all), through the session so that rows
    it already holds are forgotten too."""
    for item in items(session, namespace_id, kind):
        session.delete(item)
