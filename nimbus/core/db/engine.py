"""Engines and sessions for SQLite, PostgreSQL and MariaDB behind one interface.

SQLite is a real backend here, so it gets what it needs to survive concurrency: WAL, foreign keys,
a busy timeout, and writers serialised (one ``BEGIN IMMEDIATE`` at a time) so that readers never see
"database is locked". Writers queue on a thread lock within a process and on a file lock beside the
database across the cloud's API processes, which hands the database to the next writer as soon as
the last one commits, where SQLite's own busy handler would have it sleep and poll. Writers on any
backend retry on lock and deadlock errors.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

LOG = logging.getLogger(__name__)
T = TypeVar("T")

_RETRYABLE = ("database is locked", "deadlock", "lock wait timeout", "could not serialize")


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and any(s in str(exc).lower() for s in _RETRYABLE)


class Database:
    """One database: an engine plus reader and writer sessions."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        self._write_lock = threading.RLock()
        self._file_lock = -1
        self._local = threading.local()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.url.database in (None, "", ":memory:"):
                from sqlalchemy.pool import StaticPool

                kwargs["poolclass"] = StaticPool
            else:
                self._file_lock = os.open(f"{self.url.database}.writer", os.O_RDWR | os.O_CREAT,
                                          0o600)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20, pool_recycle=3600)
            if self.dialect == "mysql":
                kwargs["isolation_level"] = "READ COMMITTED"
                kwargs.setdefault("connect_args", {})["charset"] = "utf8mb4"
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            self._setup_sqlite(self.engine)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def _setup_sqlite(self, engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event emit BEGIN itself, so writers can ask for IMMEDIATE.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            mode = "IMMEDIATE" if getattr(self._local, "writing", False) else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for queries; commits nothing. Loaded objects stay usable after it closes.

        Inside a writer on the same thread it is the writer's session: a second connection
        would not see the uncommitted work, and on SQLite could wait on the writer's lock.
        """
        outer = getattr(self._local, "session", None)
        if outer is not None:
            yield outer
            return
        session = self._sessions()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was loaded (rollback would).
            session.close()

    @contextmanager
    def writer(self) -> Iterator[Session]:
        """A session whose work is committed on exit, or rolled back on error.

        A writer opened inside another on the same thread joins it: one transaction, committed
        by the outermost.
        """
        outer = getattr(self._local, "session", None)
        if outer is not None:
            yield outer
            return
        sqlite = self.dialect == "sqlite"
        if sqlite:
            self._write_lock.acquire()
            if self._file_lock >= 0:
                fcntl.flock(self._file_lock, fcntl.LOCK_EX)
        self._local.writing = True
        session = self._sessions()
        self._local.session = session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            self._local.session = None
            self._local.writing = False
            session.close()
            if sqlite:
                if self._file_lock >= 0:
                    fcntl.flock(self._file_lock, fcntl.LOCK_UN)
                self._write_lock.release()

    def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        if self._file_lock >= 0:
            os.close(self._file_lock)
            self._file_lock = -1


def retry_on_lock(attempts: int = 8, delay: float = 0.05) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Retry a whole unit of work when the database says locked, deadlock or serialisation."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> T:
            for attempt in range(attempts):
                try:
                    return fn(*args, **kwargs)
                except (OperationalError, DBAPIError) as exc:
                    if not is_retryable(exc) or attempt == attempts - 1:
                        raise
                    LOG.warning("database busy, retrying %s (attempt %d)", fn.__name__, attempt + 1)
                    time.sleep(delay * (2**attempt))
            raise AssertionError("unreachable")

        return inner

    return wrap


def engine_for_tool(url: str) -> Engine:
    """A throw-away engine for one-shot tools (migrations, db creation)."""
    return create_engine(url, poolclass=NullPool, future=True)
