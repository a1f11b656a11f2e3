"""Listings straight from SQL: marker, end_marker, prefix, delimiter, path and reverse.

Names compare as code points, which is the byte order of their UTF-8 (Swift's order). A
delimiter collapses every name below a pseudo-directory into one ``subdir`` entry; the next query
then starts past that whole directory instead of reading through it; those queries ask for a
few rows at first, more while none is a subdir. No query asks for more rows than the entries
still missing from the page, and a page never exceeds Swift's listing limit.

Swift pages by name, not by row: a marker need not name an existing entry (a client resumes
after the last name it saw, which may since have gone), so these queries compare names directly
rather than look a marker row up as ``core.db.paging.page`` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, Text, cast, select
from sqlalchemy.orm import InstrumentedAttribute, QueryableAttribute, Session

from nimbus.object.constants import ACCOUNT_LISTING_LIMIT, CONTAINER_LISTING_LIMIT
from nimbus.object.db.models import Container, Object
from nimbus.object.db.objects import live, upper_bound

Entry = dict[str, Any]


class ListedContainer(NamedTuple):
    """What an account listing shows of a container."""

    name: str
    object_count: int
    bytes_used: int
    put_ts: str


class ListedObject(NamedTuple):
    """What a container listing shows of an object."""

    name: str
    etag: str
    size: int
    content_type: str
    meta_ts: str
    sysmeta: dict[str, Any] | None


# Listings read plain rows of these columns: a listing of 10,000 objects as ORM objects
# spends most of its time building them.
Listed = TypeVar("Listed", ListedContainer, ListedObject)
Column = ColumnElement[Any] | QueryableAttribute[Any]
CONTAINER_COLUMNS: list[Column] = [
    Container.name, Container.object_count, Container.bytes_used, Container.put_ts]
# ``sysmeta`` is read as its text and parsed only when it holds something: most objects have
# none, and parsing 10,000 JSON nulls is a sizeable part of a listing's time.
OBJECT_COLUMNS: list[Column] = [
    Object.name, Object.etag, Object.size, Object.content_type, Object.meta_ts,
    cast(Object.sysmeta, Text)]
# With a delimiter most queries stop at their first row, a pseudo-directory the next query
# jumps past: they ask for this many rows, twice as many again after each query that met no
# pseudo-directory (a run of plain objects).
DELIMITED_BATCH = 16


def _listed_object(row: Sequence[Any]) -> ListedObject:
    sysmeta = row[5]
    return ListedObject(row[0], row[1], row[2], row[3], row[4],
                        json.loads(sysmeta) if sysmeta and sysmeta != "null" else None)


@dataclass(frozen=True)
class ListingQuery:
    limit: int
    marker: str | None = None
    end_marker: str | None = None
    prefix: str | None = None
    delimiter: str | None = None
    reverse: bool = False
    #: Swift's ``path``: the objects directly below a pseudo-directory, never its subdirs.
    path: str | None = None

    def normalised(self, cap: int) -> ListingQuery:
        """The query as run: ``path`` turned into its prefix and delimiter, the limit capped."""
        query = replace(self, limit=max(0, min(self.limit, cap)))
        if query.path is None:
            return query
        prefix = query.path.rstrip("/") + "/" if query.path else ""
        return replace(query, prefix=prefix, delimiter="/")


# Container names never hold ``/``: one that starts with this is the service's own.
HIDDEN_PREFIX = "/versions-"


def containers_of(session: Session, account_id: int, query: ListingQuery,
                  entry: Callable[[ListedContainer], Entry]) -> list[Entry]:
    """An account listing: its containers by name, less the service's own (those keeping old
    object versions, named so that no client can make or reach one)."""
    scope = (Container.account_id == account_id) & \
        ~Container.name.startswith(HIDDEN_PREFIX, autoescape=True)
    return _listing(session, Container.name, CONTAINER_COLUMNS, ListedContainer._make, scope,
                    query.normalised(ACCOUNT_LISTING_LIMIT), entry)


def objects_of(session: Session, container_id: int, query: ListingQuery, now: float,
               entry: Callable[[ListedObject], Entry]) -> list[Entry]:
    """A container listing: its live objects by name (expired ones are gone)."""
    scope = (Object.container_id == container_id) & live(now)
    return _listing(session, Object.name, OBJECT_COLUMNS, _listed_object, scope,
                    query.normalised(CONTAINER_LISTING_LIMIT), entry)


def _listing(session: Session, name: InstrumentedAttribute[str],
             columns: Sequence[Column],
             make: Callable[[Sequence[Any]], Listed], scope: ColumnElement[bool],
             q: ListingQuery, entry: Callable[[Listed], Entry]) -> list[Entry]:
    """Up to ``q.limit`` entries of the rows within ``scope`` (one parent)."""
    prefix = q.prefix or ""
    results: list[Entry] = []
    # The moving bound: strictly past ``marker``, or (after a subdir) at/after ``floor``.
    marker, floor = q.marker or None, None
    size = DELIMITED_BATCH
    while len(results) < q.limit:
        stmt: Select[Any] = select(*columns).where(scope)
        if prefix:
            stmt = stmt.where(name >= prefix)
            upper = upper_bound(prefix)
            if upper is not None:
                stmt = stmt.where(name < upper)
        if q.reverse:
            if marker:
                stmt = stmt.where(name < marker)
            if q.end_marker:
                stmt = stmt.where(name > q.end_marker)
            stmt = stmt.order_by(name.desc())
        else:
            if marker:
                stmt = stmt.where(name > marker)
            if floor is not None:
                stmt = stmt.where(name >= floor)
            if q.end_marker:
                stmt = stmt.where(name < q.end_marker)
            stmt = stmt.order_by(name)
        batch = q.limit - len(results)
        if q.delimiter:
            batch = min(batch, size)
        rows = [make(r) for r in session.execute(stmt.limit(batch))]
        if not q.delimiter:
            results.extend(entry(row) for row in rows)
            if len(rows) < batch:
                break
            continue
        jumped = False
        for row in rows:
            cut = row.name.find(q.delimiter, len(prefix))
            if cut >= 0:
                subdir = row.name[:cut + len(q.delimiter)]
                if q.path is None:
                    results.append({"subdir": subdir})
                if q.reverse:
                    marker = subdir
                else:
                    floor = upper_bound(subdir)
                    if floor is None:
                        return results
                jumped = True
                break
            results.append(entry(row))
            marker = row.name
            floor = None
        if jumped:
            size = DELIMITED_BATCH
        elif len(rows) < batch:
            break
        else:
            size *= 2
    return results
