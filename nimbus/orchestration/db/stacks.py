"""Queries on stacks: one by id or name within a project, a project's list with Heat's
filters (tags included) paged in SQL, and the nested stacks under one."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.orchestration.db.models import Stack, StackTag

# The most a page holds, whatever ``limit`` asks (a limit beyond SQL's integers is no error).
MAX_LIMIT = 1000

SORT_KEYS = {"stack_name": Stack.name, "stack_status": Stack.status,
             "creation_time": Stack.created_at, "updated_time": Stack.updated_at,
             "created_at": Stack.created_at, "updated_at": Stack.updated_at,
             "name": Stack.name, "status": Stack.status, "id": Stack.id}
_ACTIONS = {"CREATE", "UPDATE", "DELETE", "ROLLBACK", "SUSPEND", "RESUME", "CHECK", "ADOPT",
            "SNAPSHOT", "RESTORE", "INIT"}


@dataclass
class StackFilters:
    project_id: str | None
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_tags_any: list[str] = field(default_factory=list)
    hidden_tags: list[str] = field(default_factory=list)
    show_hidden: bool = False
    show_deleted: bool = False
    show_nested: bool = False
    owner_id: str | None = None


def get(session: Session, project_id: str | None, ident: str,
        deleted: bool = False) -> Stack | None:
    """The stack numbered or named ``ident``: an id finds it even deleted (when asked), a
    name only the live one."""
    query = select(Stack).where(Stack.id == ident)
    if project_id is not None:
        query = query.where(Stack.project_id == project_id)
    row = session.scalars(query).first()
    if row is not None and (deleted or row.deleted_at is None):
        return row
    query = select(Stack).where(Stack.name == ident, Stack.deleted_at.is_(None))
    if project_id is not None:
        query = query.where(Stack.project_id == project_id)
    return session.scalars(query.order_by(Stack.created_at.desc())).first()


def by_id(session: Session, stack_id: str) -> Stack | None:
    return session.get(Stack, stack_id)


def name_taken(session: Session, project_id: str, name: str) -> bool:
    return session.scalars(select(Stack.id).where(
        Stack.project_id == project_id, Stack.name == name, Stack.deleted_at.is_(None),
        Stack.owner_id.is_(None))).first() is not None


def _has(tags: list[str]) -> ColumnElement[bool]:
    return exists().where(StackTag.stack_id == Stack.id, StackTag.tag.in_(tags))


def _conditions(f: StackFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if f.project_id is not None:
        found.append(Stack.project_id == f.project_id)
    if not f.show_deleted:
        found.append(Stack.deleted_at.is_(None))
    if f.owner_id is not None:
        found.append(Stack.owner_id == f.owner_id)
    elif not f.show_nested:
        found.append(Stack.owner_id.is_(None))
    if f.names:
        found.append(Stack.name.in_(f.names))
    if f.ids:
        found.append(Stack.id.in_(f.ids))
    if f.statuses:
        # A status is given whole (CREATE_COMPLETE) or as its status part (COMPLETE).
        terms: list[ColumnElement[bool]] = []
        for value in f.statuses:
            action, _, status = value.partition("_")
            if status and action in _ACTIONS:
                terms.append(and_(Stack.action == action, Stack.status == status))
            else:
                terms.append(Stack.status == value)
        found.append(or_(*terms))
    if f.actions:
        found.append(Stack.action.in_(f.actions))
    if f.tags:
        found.extend(_has([t]) for t in f.tags)
    if f.tags_any:
        found.append(_has(f.tags_any))
    if f.not_tags:
        found.append(not_(and_(*[_has([t]) for t in f.not_tags])))
    if f.not_tags_any:
        found.append(not_(_has(f.not_tags_any)))
    if f.hidden_tags and not f.show_hidden:
        found.append(not_(_has(f.hidden_tags)))
    return found


def listing(session: Session, f: StackFilters, query: PageQuery | None = None) -> Page[Stack]:
    """The stacks ``f`` asks for, one page of them (newest first unless sorted)."""
    from nimbus.orchestration.template.errors import EntityNotFound

    stmt = select(Stack).where(*_conditions(f))
    return page(session, stmt, query or PageQuery(), columns=SORT_KEYS, tiebreak="id",
                default_sort=[("creation_time", "desc")],
                max_limit=MAX_LIMIT,
                bad_marker=lambda m: EntityNotFound(entity="Stack", name=m,
                                                    heat_type="EntityNotFound"))


def children(session: Session, stack_id: str) -> list[Stack]:
    return list(session.scalars(select(Stack).where(Stack.owner_id == stack_id,
                                                    Stack.deleted_at.is_(None))))
