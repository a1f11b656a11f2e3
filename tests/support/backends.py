"""Real database and bus servers for integration tests.

Each test gets its own scratch database. When a server is not reachable the test is skipped,
except under ``CI=true``, where a missing server fails the run: CI must prove every path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN = os.environ.get("NIMBUS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN = os.environ.get("NIMBUS_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/mysql")
AMQP_URL = os.environ.get("NIMBUS_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")


def unavailable(what: str, exc: BaseException) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is not reachable under CI=true: {exc}")
    pytest.skip(f"{what} is not reachable: {exc}")


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """Create an empty database on the real server and yield its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    admin_url = PG_ADMIN if kind == "postgresql" else MYSQL_ADMIN
    name = f"nimbus_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # any driver error means the server is not there
        unavailable(kind, exc)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


def amqp_url() -> str:
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        unavailable("RabbitMQ", exc)
    return AMQP_URL
