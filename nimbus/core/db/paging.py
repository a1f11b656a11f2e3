"""Keyset paging in SQL: ``limit``, ``marker`` and sort keys, for every list in every service.

A page never loads more than ``limit + 1`` rows: the rows after the marker are selected by
comparing the sort columns with the marker's own values (``(k1, k2, id) > (m1, m2, mid)``,
spelled out so that each key keeps its own direction), and the extra row only tells whether a
next page exists. NULLs sort first in ascending order on every database (PostgreSQL would put
them last), so a marker sitting on a NULL still pages correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, Select, and_, case, cast, false, or_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from nimbus.core.errors import BadRequest, NimbusError

T = TypeVar("T")
# A model attribute (``Volume.size``) or any column expression.
Column = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class PageQuery:
    """What the caller asked for: ``sort`` holds ``(key, "asc" | "desc")`` by API name."""

    limit: int | None = None
    marker: str | None = None
    sort: tuple[tuple[str, str], ...] = ()
    # Neutron's ``page_reverse``: the page before the marker, in the same order.
    reverse: bool = False
    # Rows to skip first (Cinder's ``offset``, beside or instead of a marker).
    offset: int = 0


@dataclass
class Page(Generic[T]):
    items: list[T]
    # More rows follow the last item (in the order asked for).
    more: bool = False
    # Rows come before the first item (a marker was given, or paging went backwards).
    previous: bool = False
    sort: list[tuple[str, str]] = field(default_factory=list)

    @property
    def next_marker_item(self) -> T | None:
        return self.items[-1] if self.items and self.more else None


def _nullable(column: Column) -> bool:
    base = column.expression if isinstance(column, QueryableAttribute) else column
    return bool(getattr(base, "nullable", True))


def _order(column: Column, direction: str) -> list[ColumnElement[Any]]:
    """ORDER BY terms for one key: NULLs first when ascending, last when descending."""
    terms: list[ColumnElement[Any]] = []
    if _nullable(column):
        is_set = case((column.is_(None), 0), else_=1)
        terms.append(is_set.asc() if direction == "asc" else is_set.desc())
    terms.append(column.asc() if direction == "asc" else column.desc())
    return terms


def _after(column: Column, value: Any, direction: str) -> ColumnElement[bool]:
    """Rows strictly after ``value`` on this key alone."""
    if isinstance(value, bool):
        # Booleans have no order in SQL; false < true as integers, as ORDER BY sorts them.
        column, value = cast(column, Integer), int(value)
    if direction == "asc":
        if value is None:
            return column.is_not(None) if _nullable(column) else false()
        return column > value
    if value is None:
        return false()
    beyond = column < value
    return or_(beyond, column.is_(None)) if _nullable(column) else beyond


def _equal(column: Column, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def keyset_condition(columns: Sequence[Column], values: Sequence[Any],
                     directions: Sequence[str]) -> ColumnElement[bool]:
    """``(c1, c2, ...) > (v1, v2, ...)`` in the order the directions define."""
    clauses = []
    for i, column in enumerate(columns):
        earlier = [_equal(c, v) for c, v in zip(columns[:i], values[:i], strict=True)]
        clauses.append(and_(*earlier, _after(column, values[i], directions[i])))
    return or_(*clauses)


def _flip(direction: str) -> str:
    return "desc" if direction == "asc" else "asc"


def resolve_sort(requested: Sequence[tuple[str, str]], columns: Mapping[str, Column],
                 default: Sequence[tuple[str, str]], tiebreak: str,
                 bad_key: Callable[[str], NimbusError] | None = None) -> list[tuple[str, str]]:
    """The sort keys to use: the requested ones (each checked) or the default, then the unique
    ``tiebreak`` key in the last key's direction so that the order is total."""
    keys = list(requested) or list(default)
    for key, direction in keys:
        if key not in columns:
            raise (bad_key(key) if bad_key else BadRequest(f"Invalid sort key: {key}."))
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {direction}.")
    if all(key != tiebreak for key, _ in keys):
        keys.append((tiebreak, keys[-1][1] if keys else "asc"))
    return keys


def page(session: Session, stmt: Select[Any], query: PageQuery, *,
         columns: Mapping[str, Column], tiebreak: str = "id",
         default_sort: Sequence[tuple[str, str]] = (),
         marker_column: Column | None = None,
         marker_stmt: Select[Any] | None = None,
         bad_marker: Callable[[str], NimbusError | None] | None = None,
         bad_sort_key: Callable[[str], NimbusError] | None = None,
         max_limit: int | None = None,
         scalars: bool = True) -> Page[Any]:
    """One page of ``stmt`` (which already holds its filters) in the asked order.

    ``columns`` maps the sortable API names to columns; ``tiebreak`` names the unique key.
    The marker is looked up with ``marker_stmt`` (default: ``stmt`` itself, so a marker the
    caller cannot see is refused) on ``marker_column`` (default: the tiebreak column). An
    unknown marker raises what ``bad_marker`` returns (400 by default); when it returns None,
    the page is empty, as some APIs answer.
    """
    keys = resolve_sort(query.sort, columns, default_sort, tiebreak, bad_sort_key)
    directions = [_flip(d) if query.reverse else d for _, d in keys]
    sort_columns = [columns[k] for k, _ in keys]
    if query.marker is not None:
        where = marker_column if marker_column is not None else columns[tiebreak]
        base = marker_stmt if marker_stmt is not None else stmt
        found = session.execute(
            base.with_only_columns(*sort_columns).where(where == query.marker).limit(1)
        ).first()
        if found is None:
            error = (bad_marker(query.marker) if bad_marker
                     else BadRequest(f"marker [{query.marker}] not found"))
            if error is None:
                return Page([], sort=keys)
            raise error
        stmt = stmt.where(keyset_condition(sort_columns, list(found), directions))
    for column, direction in zip(sort_columns, directions, strict=True):
        stmt = stmt.order_by(*_order(column, direction))
    if query.offset:
        stmt = stmt.offset(query.offset)
    limit = query.limit
    if max_limit is not None:
        limit = max_limit if limit is None else min(limit, max_limit)
    if limit is not None:
        stmt = stmt.limit(limit + 1)
    result = session.execute(stmt)
    rows = list(result.scalars() if scalars else result.all())
    more = limit is not None and len(rows) > limit
    if limit is not None:
        rows = rows[:limit]
    previous = query.marker is not None or query.offset > 0
    if query.reverse:
        rows.reverse()
        more, previous = previous, more
    return Page(rows, more=more, previous=previous, sort=keys)
