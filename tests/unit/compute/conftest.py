"""A compute cloud in one process: API, scheduler and agent(s) with the fake driver and fake
clients for the other services."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nimbus.compute.db.fake_guests import GuestRecords
from nimbus.compute.state import Clients, build
from nimbus.core.db.engine import Database
from tests.support.backends import scratch_database
from tests.support.personas import PROJECT
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID, FakeClients

MV = {"OpenStack-API-Version": "compute 2.96"}


class Compute:
    def __init__(self, cloud: Any, api: Any, clients: FakeClients) -> None:
        self.cloud = cloud
        self.api = api
        self.clients = clients
        self.state = cloud.runtimes["compute"].state

    def as_(self, persona: str) -> Any:
        return self.api.as_(persona)

    def without_quota_limits(self) -> None:
        """No quota stops the test project's servers: for tests where the scheduler must be
        what refuses a flavor too big for any host."""
        resp = self.as_("admin").put(f"/v2.1/os-quota-sets/{PROJECT}", json={"quota_set": {
            "ram": -1, "cores": -1, "instances": -1}})
        assert resp.status_code == 200, resp.text

    def guests(self, host: str = "node") -> dict[str, dict[str, Any]]:
        """The fake driver's guests on ``host``, as it keeps them in the database."""
        return GuestRecords(self.state.db, host).all()

    def boot(self, persona: str = "member", wait: str | None = "ACTIVE",
             **server: Any) -> dict[str, Any]:
        body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
                "networks": [{"uuid": NETWORK_ID}], **server}
        resp = self.as_(persona).post("/v2.1/servers", json={"server": body}, headers=MV)
        assert resp.status_code == 202, resp.text
        created = resp.json()["server"]
        if wait:
            return self.wait(created["id"], wait, persona)
        return created

    def wait(self, server_id: str, status: str, persona: str = "admin",
             timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            resp = self.as_(persona).get(f"/v2.1/servers/{server_id}", headers=MV)
            if status == "GONE" and resp.status_code == 404:
                return {}
            if resp.status_code == 200:
                last = resp.json()["server"]
                if last["status"] == status and last["OS-EXT-STS:task_state"] is None:
                    return last
            time.sleep(0.02)
        raise AssertionError(f"server {server_id} never reached {status}; last: {last}")

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError("condition never became true")


@pytest.fixture
def make_compute(make_cloud: Any) -> Callable[..., Compute]:
    def factory(hosts: int = 1, workers: bool = True, **settings: Any) -> Compute:
        # Answered at once, as Nova answers: these tests look at each step of a build
        # (test_create_wait.py covers the wait).
        settings.setdefault("compute_create_wait", 0)
        cloud, api = make_cloud(["compute"], prefix="/compute", compute_host="node",
                                fake_compute_hosts=hosts, **settings)
        clients = FakeClients()
        # The service's state again, its managers built on the fake clients.
        cloud.runtimes["compute"].state = build(cloud, Clients(
            image=clients.image, network=clients.network, volume=clients.volume,
            placement=clients.placement))
        cloud.bootstrap()
        if workers:
            cloud.start_workers({"scheduler", "compute-agent"})
        return Compute(cloud, api, clients)

    return factory


@pytest.fixture
def compute(make_compute: Callable[..., Compute]) -> Compute:
    return make_compute()


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def any_database(request: pytest.FixtureRequest, make_cloud: Any) -> Iterator[Database]:
    """The compute database of a bare cloud, on each backend in turn (for SQL written by hand
    that every dialect must run the same)."""
    if request.param == "sqlite":
        cloud, _api = make_cloud(["compute"], prefix="/compute")
        yield cloud.db
        return
    with scratch_database(request.param) as url:
        cloud, _api = make_cloud(["compute"], prefix="/compute", db_url=url)
        yield cloud.db
        cloud.db.dispose()
