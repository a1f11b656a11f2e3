"""Proving that a list pages in SQL: count the rows every query returns while walking pages.

``RowCounter`` re-runs each SELECT as ``SELECT count(*) FROM (<statement>)`` on the same
connection, with the same parameters, right after it runs, so it knows how many rows that query
handed to the application, whatever the ORM did with them. ``walk`` follows a list's pages the
way a client does (the ``next`` link, or the last item's marker) and returns every item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class RowCounter:
    engine: Engine
    queries: list[tuple[str, int]] = field(default_factory=list)
    _busy: bool = False

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if self._busy or executemany or not statement.lstrip().upper().startswith("SELECT"):
            return
        self._busy = True
        try:
            raw = conn.connection.cursor()
            try:
                raw.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)
                self.queries.append((statement, int(raw.fetchone()[0])))
            finally:
                raw.close()
        finally:
            self._busy = False

    @property
    def largest(self) -> int:
        return max((n for _, n in self.queries), default=0)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.queries)

    def worst(self) -> str:
        statement, rows = max(self.queries, key=lambda q: q[1])
        return f"{rows} rows from: {' '.join(statement.split())[:400]}"


@contextmanager
def counting_rows(engine: Engine) -> Iterator[RowCounter]:
    counter = RowCounter(engine)
    event.listen(engine, "after_cursor_execute", counter._after)
    try:
        yield counter
    finally:
        event.remove(engine, "after_cursor_execute", counter._after)


def walk(get: Callable[[str], Any], first: str, collection: str,
         next_of: Callable[[dict[str, Any], str], str | None] | None = None,
         limit_pages: int = 100) -> list[dict[str, Any]]:
    """Every item of a list, page by page: ``get(path)`` answers a request for an absolute path
    (``first``, then each next link's path and query); ``next_of(body, collection)`` gives the
    next page's path or None (default: a ``<collection>_links`` or ``links`` next link, or a
    ``next`` member as Glance gives it)."""
    items: list[dict[str, Any]] = []
    url: str | None = first
    pages = 0
    while url is not None:
        resp = get(url)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items.extend(body[collection])
        url = (next_of or default_next)(body, collection)
        pages += 1
        assert pages <= limit_pages, "too many pages: the next link never ends"
    return items


def default_next(body: dict[str, Any], collection: str) -> str | None:
    links = body.get(f"{collection}_links")
    if links is None and isinstance(body.get("links"), dict):
        nxt = body["links"].get("next")
        return _relative(nxt) if nxt else None
    for link in links or []:
        if link.get("rel") == "next":
            return _relative(link["href"])
    nxt = body.get("next")
    return _relative(nxt) if isinstance(nxt, str) and nxt else None


def _relative(href: str) -> str:
    """The path and query of an absolute link (the test client serves one host)."""
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def marker_of(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("marker", [None])[0]
