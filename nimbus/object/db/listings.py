"""Listings straight from SQL: marker, end_marker, prefix, delimiter, path and reverse.

Names compare as code points, which is the byte order of their UTF-8 (Swift's order). A
delimiter collapses every name below a pseudo-directory into one ``subdir`` entry; the next query
then starts past that whole directory instead of reading through it. No query fetches more rows
than the entries still missing from the page, and a page never exceeds Swift's listing limit.

Swift pages by name, not by row: a marker need not name an existing entry (a client resumes
after the last name it saw, which may since have gone), so these queries compare names directly
rather than look a marker row up as ``core.db.paging.page`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from nimbus.object.constants import ACCOUNT_LISTING_LIMIT, CONTAINER_LISTING_LIMIT
from nimbus.object.db.models import Container, Object
from nimbus.object.db.objects import live, upper_bound

Row = TypeVar("Row", Container, Object)
Entry = dict[str, Any]


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
                  entry: Callable[[Container], Entry]) -> list[Entry]:
    """An account listing: its containers by name, less the service's own (those keeping old
    object versions, named so that no client can make or reach one)."""
    scope = (Container.account_id == account_id) & \
        ~Container.name.startswith(HIDDEN_PREFIX, autoescape=True)
    return _listing(session, Container, scope, query.normalised(ACCOUNT_LISTING_LIMIT), entry)


def objects_of(session: Session, container_id: int, query: ListingQuery, now: float,
               entry: Callable[[Object], Entry]) -> list[Entry]:
    """A container listing: its live objects by name (expired ones are gone)."""
    scope = (Object.container_id == container_id) & live(now)
    return _listing(session, Object, scope, query.normalised(CONTAINER_LISTING_LIMIT), entry)


def _listing(session: Session, model: type[Row], scope: ColumnElement[bool], q: ListingQuery,
             entry: Callable[[Row], Entry]) -> list[Entry]:
    """Up to ``q.limit`` entries of ``model`` rows within ``scope`` (one parent)."""
    prefix = q.prefix or ""
    name = model.name
    results: list[Entry] = []
    # The moving bound: strictly past ``marker``, or (after a subdir) at/after ``floor``.
    marker, floor = q.marker or None, None
    while len(results) < q.limit:
        stmt: Select[Any] = select(model).where(scope)
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
        rows: list[Row] = list(session.scalars(stmt.limit(batch)))
        if not rows:
            break
        jumped = False
        for row in rows:
            if q.delimiter:
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
        if not jumped and len(rows) < batch:
            break
    return results
