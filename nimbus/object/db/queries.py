"""Listings straight from SQL: marker, end_marker, prefix, delimiter, path and reverse.

Names compare as code points, which is the byte order of their UTF-8 (Swift's order). A
delimiter collapses every name below a pseudo-directory into one ``subdir`` entry; the next query
then starts past that whole directory instead of reading through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from nimbus.object.db.models import Container, Object

Row = Container | Object
Entry = dict[str, Any]


@dataclass
class ListingQuery:
    limit: int
    marker: str | None = None
    end_marker: str | None = None
    prefix: str | None = None
    delimiter: str | None = None
    reverse: bool = False
    #: Swift's ``path``: the objects directly below a pseudo-directory, never its subdirs.
    path: str | None = None

    def normalised(self) -> ListingQuery:
        if self.path is None:
            return self
        prefix = self.path.rstrip("/") + "/" if self.path else ""
        return ListingQuery(self.limit, self.marker, self.end_marker, prefix, "/", self.reverse,
                            self.path)


def _upper(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            return prefix[:-1] + chr(last + 1)
        prefix = prefix[:-1]
    return None


def listing(session: Session, model: type[Row], scope: ColumnElement[bool], query: ListingQuery,
            entry: Callable[[Any], Entry]) -> list[Entry]:
    """Up to ``query.limit`` entries of ``model`` rows within ``scope`` (one parent)."""
    q = query.normalised()
    prefix = q.prefix or ""
    name = model.name
    results: list[Entry] = []
    # The moving bound: strictly past ``marker``, or (after a subdir) at/after ``floor``.
    marker, floor = q.marker or None, None
    while len(results) < q.limit:
        stmt: Select[Any] = select(model).where(scope)
        if prefix:
            stmt = stmt.where(name >= prefix)
            upper = _upper(prefix)
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
        rows = session.scalars(stmt.limit(batch)).all()
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
                        floor = _upper(subdir)
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
