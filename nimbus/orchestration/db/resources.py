"""Queries on a stack's resources and its events."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.orchestration.db.models import Event, Resource

# The most a page holds, whatever ``limit`` asks (a limit beyond SQL's integers is no error).
MAX_LIMIT = 1000


def of_stack(session: Session, stack_id: str) -> list[Resource]:
    return list(session.scalars(select(Resource).where(Resource.stack_id == stack_id)
                                .order_by(Resource.created_at, Resource.name)))


def named(session: Session, stack_id: str, name: str) -> Resource | None:
    """The current resource of that name (not a replaced one that is on its way out)."""
    return session.scalars(select(Resource).where(
        Resource.stack_id == stack_id, Resource.name == name,
        Resource.replaced_by.is_(None))).first()


def by_physical_id(session: Session, physical_id: str) -> Resource | None:
    return session.scalars(select(Resource).where(Resource.physical_id == physical_id)).first()


def remove(session: Session, resource_id: str) -> None:
    session.execute(delete(Resource).where(Resource.id == resource_id))


EVENT_SORT = {"event_time": Event.created_at, "created_at": Event.created_at,
              "resource_name": Event.resource_name, "resource_type": Event.resource_type,
              "resource_action": Event.action, "resource_status": Event.status,
              "seq": Event.seq}


@dataclass
class EventFilters:
    stack_ids: list[str]
    resource_name: list[str] = field(default_factory=list)
    resource_action: list[str] = field(default_factory=list)
    resource_status: list[str] = field(default_factory=list)
    resource_type: list[str] = field(default_factory=list)


def events(session: Session, f: EventFilters, query: PageQuery | None = None) -> Page[Event]:
    """One page of the events ``f`` asks for, oldest first unless sorted otherwise; the
    marker is an event's id."""
    from nimbus.orchestration.template.errors import EntityNotFound

    stmt = select(Event).where(Event.stack_id.in_(f.stack_ids))
    for column, wanted in ((Event.resource_name, f.resource_name),
                           (Event.action, f.resource_action),
                           (Event.status, f.resource_status),
                           (Event.resource_type, f.resource_type)):
        if wanted:
            stmt = stmt.where(column.in_(wanted))
    return page(session, stmt, query or PageQuery(), columns=EVENT_SORT, tiebreak="seq",
                default_sort=[("seq", "asc")], marker_column=Event.id,
                max_limit=MAX_LIMIT,
                bad_marker=lambda m: EntityNotFound(entity="Event", name=m,
                                                    heat_type="EntityNotFound"))


def event(session: Session, stack_id: str, event_id: str) -> Event | None:
    return session.scalars(select(Event).where(Event.stack_id == stack_id,
                                               Event.id == event_id)).first()


def event_count(session: Session, stack_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Event)
                              .where(Event.stack_id == stack_id)) or 0)
