"""Every service's migrations make exactly the tables its models declare, on SQLite,
PostgreSQL and MariaDB: a column, index or constraint added to a model without its migration
(or the other way round) fails here, not in a cloud that upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import MetaData

from nimbus.core.db import migrate
from nimbus.core.db.engine import Database
from tests.support.backends import scratch_database

COVERS = [("core", "database: every service's migrations match its models on SQLite, "
                   "PostgreSQL and MariaDB")]

SERVICES = ["identity", "image", "compute", "placement", "network", "volume", "object"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def migrated(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('drift') / 'test.db'}")
        migrate.upgrade(database.engine, ["core", *SERVICES])
        yield database
        database.dispose()
        return
    request.applymarker(pytest.mark.integration)
    with scratch_database(request.param) as url:
        database = Database(url)
        migrate.upgrade(database.engine, ["core", *SERVICES])
        yield database
        database.dispose()


def _relevant(diff: Any) -> bool:
    """Table, column, index and constraint differences; server defaults, comments and the
    finer points of types that each backend reports in its own words are not compared."""
    kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
    return kind in {"add_table", "remove_table", "add_column", "remove_column", "add_index",
                    "remove_index", "add_fk", "remove_fk", "add_constraint",
                    "remove_constraint", "modify_nullable"}


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models(migrated: Database, service: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    wanted: MetaData = migrate.metadata_of(service)
    with migrated.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": False,
            # Only this service's tables: the others are compared in their own runs.
            "include_name": lambda name, kind, _parent: kind != "table"
            or name in wanted.tables})
        diffs = [d for d in compare_metadata(context, wanted) if _relevant(d)]
    assert not diffs, "\n".join(str(d) for d in diffs)
