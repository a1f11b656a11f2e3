"""What SQLite plans for the query that reads a list's page: the tests of each service's lists
use it to prove that the page is read off the index made for it (the index exists in the
migrated schema, and the query is one the planner can serve from it).

SQLite plans without statistics here (nothing runs ANALYZE), so a plan depends on the schema
and the statement alone, not on how many rows the test made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def selects(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on ``engine`` meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
               _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan_of(engine: Engine, statement: str, parameters: Any) -> str:
    """SQLite's plan for one statement, one step a line."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def page_plan(engine: Engine, table: str, request: Callable[[], Any]) -> str:
    """The plan of the query that reads the page of ``table`` while ``request`` runs: the one
    that selects from the table in an order (a marker's lookup has none)."""
    with selects(engine) as seen:
        request()
    found = [(s, p) for s, p in seen
             if re.search(rf"\bFROM {table}\b", s) and "ORDER BY" in s
             and not re.search(rf"\bJOIN {table}\b", s)]
    assert len(found) == 1, f"{len(found)} ordered selects from {table}: {found}"
    return plan_of(engine, *found[0])


def assert_reads_index(plan: str, index: str, sorts: bool = False) -> None:
    """The plan finds its rows through ``index``; unless ``sorts``, in the order the index
    holds them (no temporary B-tree for the ORDER BY)."""
    assert re.search(rf"USING (COVERING )?INDEX {index}\b", plan), plan
    if not sorts:
        assert "TEMP B-TREE" not in plan, plan
