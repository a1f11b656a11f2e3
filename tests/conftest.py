"""Shared fixtures: an in-process cloud with fake personas, for unit and protection tests."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

# Each cloud a test starts serves its API from one process unless the test asks for more
# (``--workers``): a suite running many clouds side by side would otherwise start one API
# process per core for every one of them.
os.environ.setdefault("NIMBUS_WORKERS", "1")

from nimbus.conf.settings import load  # noqa: E402
from nimbus.core.api.app import build_app
from nimbus.core.cloud import Cloud
from tests.support.personas import fake_validator, token_for


class PersonaClient:
    """A TestClient that sends a persona's token: ``api.as_("member").get(...)``."""

    def __init__(self, client: TestClient, prefix: str, persona: str | None = "admin") -> None:
        self.client = client
        self.prefix = prefix
        self.persona = persona

    def as_(self, persona: str | None) -> PersonaClient:
        return PersonaClient(self.client, self.prefix, persona)

    def request(self, method: str, path: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if self.persona:
            headers.setdefault("X-Auth-Token", token_for(self.persona))
        return self.client.request(method, self.prefix + path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)

    def head(self, path: str, **kw: Any) -> Any:
        return self.request("HEAD", path, **kw)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database at every branch's head, copied for each test instead of migrating
    again (the migrations themselves are tested in tests/unit/core/test_db.py)."""
    from nimbus.core.db import migrate
    from nimbus.core.db.engine import Database
    from nimbus.core.plugins import SERVICES

    path = tmp_path_factory.mktemp("template") / "nimbus.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine, ["core", *SERVICES])
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def make_cloud(tmp_path: Path, migrated_sqlite: Path
               ) -> Iterator[Callable[..., tuple[Cloud, PersonaClient]]]:
    """``cloud, api = make_cloud(["network"], prefix="/network")``: services in-process, fake auth."""
    clouds: list[Cloud] = []

    def factory(services: list[str], prefix: str = "", bootstrap: bool = False,
                **settings: Any) -> tuple[Cloud, PersonaClient]:
        cfg = load({"state_dir": str(tmp_path / f"cloud{len(clouds)}"), **settings})
        if not cfg.db_url:
            cfg.state_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(migrated_sqlite, cfg.state_dir / "nimbus.db")
        cloud = Cloud(cfg, services=services)
        cloud.migrate()
        cloud.start()
        cloud.auth.use_local(fake_validator)
        if bootstrap:
            cloud.bootstrap()
        clouds.append(cloud)
        client = TestClient(build_app(cloud), raise_server_exceptions=False)
        return cloud, PersonaClient(client, prefix)

    yield factory
    for cloud in clouds:
        cloud.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The queues the suite's clouds declared on the local RabbitMQ go with the run: they are
    durable (quorum queues, one Raft group each), and a broker that keeps every run's grows
    slow enough to time the next runs out. Only the controlling process does it (xdist's
    workers finish first), and only for queues nobody consumes."""
    if hasattr(session.config, "workerinput") or shutil.which("rabbitmqctl") is None:
        return
    import subprocess

    try:
        listed = subprocess.run(["rabbitmqctl", "list_queues", "-q", "name", "consumers"],
                                capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return
    for line in listed.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "0" and parts[0].startswith(("nimbus", "crash-")):
            try:
                subprocess.run(["rabbitmqctl", "delete_queue", "-q", parts[0]],
                               capture_output=True, timeout=30, check=False)
            except (OSError, subprocess.TimeoutExpired):
                return
