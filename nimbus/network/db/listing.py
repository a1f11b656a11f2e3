"""Neutron's list filters, tag filters and sort keys, run in SQL over one table.

A list request names attributes as the API shows them (``name=a&name=b``, ``shared=true``,
``tags-any=x``). Each resource's ``Listing`` maps those names onto its table: a column, a value
every row shows alike (Neutron's constant attributes), or an expression over other tables.
Matching follows the text form of each value in the API: repeats of one attribute are OR'ed,
booleans compare case-insensitively, a null matches ``""``, ``None`` or ``null``, an array
matches when one of its elements does, and an object never matches. Names that are no attribute
of the resource, and attributes the caller may not see, filter nothing.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, String, and_, cast, false, not_, or_, true
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from nimbus.core.db.base import iso
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.network.db.jsonlist import json_has
from nimbus.network.errors import HTTPBadRequest

Column = ColumnElement[Any]
# A mapped attribute (``Network.name``) or any column expression.
ColumnLike = ColumnElement[Any] | QueryableAttribute[Any]
Condition = ColumnElement[bool]
NULL_TEXTS = frozenset({"", "None", "null"})
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")


def text_of(value: Any) -> str:
    """A scalar as the API prints it in a filter's terms."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def shows(value: Any, wanted: Sequence[str]) -> bool:
    """Whether a value every row shows alike matches one of the wanted texts."""
    if isinstance(value, bool):
        return text_of(value) in {w.lower() for w in wanted}
    if isinstance(value, list):
        return any(not isinstance(v, dict) and text_of(v) in wanted for v in value)
    if value is None:
        return bool(NULL_TEXTS.intersection(wanted))
    return not isinstance(value, dict) and text_of(value) in wanted


def expression(column: ColumnLike) -> Column:
    return column.expression if isinstance(column, QueryableAttribute) else column


def _nullable(column: ColumnLike) -> bool:
    return bool(getattr(column, "nullable", True))


class Attribute(ABC):
    """One attribute of a listed resource: how it filters and how it sorts."""

    @abstractmethod
    def where(self, wanted: Sequence[str]) -> Condition:
        """Rows whose attribute matches one of ``wanted``."""

    def sort_column(self) -> Column | None:
        """What ``sort_key=<attribute>`` orders by; None when every row is alike."""
        return None


@dataclass(frozen=True)
class Text(Attribute):
    column: ColumnLike

    def where(self, wanted: Sequence[str]) -> Condition:
        found: list[Condition] = [self.column.in_(list(wanted))]
        if _nullable(self.column) and NULL_TEXTS.intersection(wanted):
            found.append(self.column.is_(None))
        return or_(*found)

    def sort_column(self) -> Column:
        return expression(self.column)


@dataclass(frozen=True)
class Flag(Attribute):
    column: ColumnLike

    def where(self, wanted: Sequence[str]) -> Condition:
        lowered = {w.lower() for w in wanted}
        values = [v for v in (True, False) if text_of(v) in lowered]
        return self.column.in_(values) if values else false()

    def sort_column(self) -> Column:
        return expression(self.column)


@dataclass(frozen=True)
class Number(Attribute):
    column: ColumnLike

    def where(self, wanted: Sequence[str]) -> Condition:
        numbers = [int(w) for w in wanted if _is_int(w)]
        found: list[Condition] = [self.column.in_(numbers)] if numbers else []
        if _nullable(self.column) and NULL_TEXTS.intersection(wanted):
            found.append(self.column.is_(None))
        return or_(*found) if found else false()

    def sort_column(self) -> Column:
        return expression(self.column)


def _is_int(text: str) -> bool:
    try:
        return str(int(text)) == text
    except ValueError:
        return False


@dataclass(frozen=True)
class Time(Attribute):
    """A timestamp, matched in the API's ``2024-01-31T12:00:00Z`` form."""

    column: ColumnLike

    def where(self, wanted: Sequence[str]) -> Condition:
        times = []
        for text in wanted:
            try:
                when = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                continue
            if iso(when) == text:
                times.append(when)
        return self.column.in_(times) if times else false()

    def sort_column(self) -> Column:
        return expression(self.column)


@dataclass(frozen=True)
class Strings(Attribute):
    """A JSON array of strings: it matches when one element does."""

    column: ColumnLike

    def where(self, wanted: Sequence[str]) -> Condition:
        return or_(*[json_has(self.column, w) for w in wanted])

    def sort_column(self) -> Column:
        return cast(self.column, String)


@dataclass(frozen=True)
class Opaque(Attribute):
    """An object, or an array of objects: sortable by its text; it matches only when empty and
    asked for as ``{}`` (an empty array matches nothing)."""

    column: ColumnLike

    def where(self, wanted: Sequence[str]) -> Condition:
        return cast(self.column, String) == "{}" if "{}" in wanted else false()

    def sort_column(self) -> Column:
        return cast(self.column, String)


@dataclass(frozen=True)
class Fixed(Attribute):
    """A value every row shows alike (``availability_zones``, ``l2_adjacency``...)."""

    value: Any

    def where(self, wanted: Sequence[str]) -> Condition:
        return true() if shows(self.value, wanted) else false()


@dataclass(frozen=True)
class Derived(Attribute):
    """An attribute built from other columns or tables."""

    matcher: Callable[[Sequence[str]], Condition]
    sort_by: ColumnLike | None = None

    def where(self, wanted: Sequence[str]) -> Condition:
        return self.matcher(wanted)

    def sort_column(self) -> Column | None:
        return expression(self.sort_by) if self.sort_by is not None else None


def matches_nothing(wanted: Sequence[str]) -> Condition:
    return false()


@dataclass(frozen=True)
class Listing:
    """How one resource's list filters and sorts: its attributes by API name, and its tags."""

    attributes: Mapping[str, Attribute]
    tags: ColumnLike | None = None

    def conditions(self, filters: Mapping[str, Sequence[str]],
                   hidden: Collection[str] = ()) -> list[Condition]:
        found: list[Condition] = []
        for name, wanted in filters.items():
            if name in hidden or name in TAG_FILTERS or not wanted:
                continue
            if name in self.attributes:
                found.append(self.attributes[name].where(wanted))
        found.extend(self._tag_conditions(filters))
        return found

    def _tag_conditions(self, filters: Mapping[str, Sequence[str]]) -> list[Condition]:
        found: list[Condition] = []
        for name in TAG_FILTERS:
            tags = list(dict.fromkeys(t for v in filters.get(name, ()) for t in v.split(",")
                                      if t))
            if not tags:
                continue
            if self.tags is None:
                # Untagged resources: their tag set is empty.
                found.append(true() if name.startswith("not-") else false())
                continue
            each = [json_has(self.tags, t) for t in tags]
            every, some = and_(*each), or_(*each)
            found.append({"tags": every, "tags-any": some, "not-tags": not_(every),
                          "not-tags-any": not_(some)}[name])
        return found


def marker_missing(marker: str) -> HTTPBadRequest:
    return HTTPBadRequest(f"Marker {marker} could not be found")


def page_of(session: Session, stmt: Select[Any], listing: Listing, query: PageQuery,
            filters: Mapping[str, Sequence[str]], hidden: Collection[str] = ()) -> Page[Any]:
    """One page of ``stmt`` (which already limits what the caller may see), filtered and sorted
    as asked. Ties are broken by id, ascending, whatever the direction of the sort keys."""
    stmt = stmt.where(*listing.conditions(filters, hidden))
    sortable = {name: attr.sort_column() for name, attr in listing.attributes.items()
                if name not in hidden}
    for key, _ in query.sort:
        if key not in sortable:
            # Sort keys are checked against the attributes the rows show, so a list without
            # rows takes any key.
            if session.execute(stmt.limit(1)).first() is not None:
                raise HTTPBadRequest(f"{key} is invalid attribute for sort_keys")
            if query.marker:
                raise marker_missing(query.marker)
            return Page([])
    sort = [(k, d) for k, d in query.sort if sortable[k] is not None]
    if all(k != "id" for k, _ in sort):
        sort.append(("id", "asc"))
    columns = {k: c for k, c in sortable.items() if c is not None}
    return page(session, stmt, replace(query, sort=tuple(sort)), columns=columns,
                tiebreak="id", bad_marker=marker_missing)


def standard(model: Any) -> dict[str, Attribute]:
    """What Neutron's standard attributes add to every resource's list."""
    return {"id": Text(model.id), "project_id": Text(model.project_id),
            "tenant_id": Text(model.project_id), "name": Text(model.name),
            "description": Text(model.description), "tags": Strings(model.tags),
            "created_at": Time(model.created_at), "updated_at": Time(model.updated_at),
            "revision_number": Number(model.revision_number)}
