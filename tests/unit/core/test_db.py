"""The database layer on SQLite, and (integration) on PostgreSQL and MariaDB."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nimbus.core.db import migrate
from nimbus.core.db.engine import Database
from nimbus.core.registry import Registry
from tests.support.backends import scratch_database

COVERS = [
    ('core', 'database: SQLite, PostgreSQL, MariaDB; concurrent writers'),
    ('core', 'service registry and heartbeats'),
]

@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
        migrate.upgrade(database.engine, ["core", "identity"])
        yield database
        database.dispose()
        return
    request.applymarker(pytest.mark.integration)
    with scratch_database(request.param) as url:
        database = Database(url)
        migrate.upgrade(database.engine, ["core", "identity"])
        yield database
        database.dispose()


def test_migrations_reach_head_and_are_idempotent(db: Database) -> None:
    assert not migrate.pending(db.engine, ["core", "identity"])
    migrate.upgrade(db.engine, ["core", "identity"])


def test_concurrent_writers_never_fail(db: Database) -> None:
    registry = Registry(db)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                registry.report(f"binary-{n}", f"host-{i % 3}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = registry.list()
    assert len(rows) == 18
    assert sum(1 for r in rows if r["up"]) == 18


def test_reader_objects_stay_usable_after_close(db: Database) -> None:
    registry = Registry(db)
    registry.report("nova-compute", "h1")
    assert registry.is_up("nova-compute", "h1")
    assert not registry.is_up("nova-compute", "h2")
    assert registry.set_disabled("nova-compute", "h1", True, "maintenance")
    assert not registry.is_up("nova-compute", "h1")
