"""Server lists are read off the indexes made for them (their plans on the migrated SQLite
schema), and read only what they show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.db.models import Instance
from tests.support.personas import project_of, user_of
from tests.support.query_plans import assert_reads_index, page_plan

COVERS = [("compute", "server lists (first page, a marker's page, status, changes-since, every "
                      "project's, a host's) read off their indexes; a list reads only what it "
                      "shows")]

MV = {"OpenStack-API-Version": "compute 2.96"}
BASE = dt.datetime(2024, 1, 1)


def _server(i: int, **extra: Any) -> Instance:
    values: dict[str, Any] = {
        "uuid": f"00000000-0000-4000-8000-{i:012d}", "name": f"vm-{i}",
        "project_id": project_of("member"), "user_id": user_of("member"), "flavor_id": "42",
        "flavor": {"vcpus": 1, "ram": 64, "disk": 1, "name": "tiny"}, "vm_state": "active",
        "host": f"host-{i % 3}", "created_at": BASE + dt.timedelta(seconds=i),
        "updated_at": BASE + dt.timedelta(seconds=i),
        "request_spec": {"availability_zone": None, "scheduler_hints": {}}, **extra}
    return Instance(**values)


@pytest.fixture
def servers(make_cloud: Callable[..., Any]) -> tuple[Any, Any]:
    """A compute API with a dozen servers, one of them failed before it had a host."""
    cloud, api = make_cloud(["compute"], prefix="/compute", bootstrap=True)
    with cloud.db.writer() as s:
        s.add_all([_server(i) for i in range(11)])
        s.add(_server(11, vm_state="error", host=None, node=None,
                      request_spec={"availability_zone": "az-asked", "scheduler_hints": {}},
                      fault={"code": 500, "message": "No valid host was found."}))
    return cloud, api


def _plan(servers: tuple[Any, Any], persona: str, path: str) -> str:
    cloud, api = servers

    def request() -> None:
        resp = api.as_(persona).get(path)
        assert resp.status_code == 200, resp.text

    return page_plan(cloud.db.engine, "compute_instances", request)


@pytest.mark.parametrize("path", ["/v2.1/servers/detail?limit=5", "/v2.1/servers",
                                  "/v2.1/servers/detail",
                                  f"/v2.1/servers/detail?limit=5&marker={_server(6).uuid}"])
def test_a_projects_pages_come_off_its_index_in_order(servers: Any, path: str) -> None:
    assert_reads_index(_plan(servers, "member", path), "ix_compute_instances_project_created")


def test_a_status_filter_reads_only_that_status(servers: Any) -> None:
    plan = _plan(servers, "member", "/v2.1/servers/detail?status=ERROR")
    assert_reads_index(plan, "ix_compute_instances_project_vm_state")


def test_changes_since_reads_only_the_changed(servers: Any) -> None:
    since = (BASE + dt.timedelta(seconds=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    plan = _plan(servers, "member", f"/v2.1/servers/detail?changes-since={since}")
    # The few changed servers are sorted, not the project's all.
    assert_reads_index(plan, "ix_compute_instances_project_updated", sorts=True)


def test_every_projects_servers_come_off_the_time_index(servers: Any) -> None:
    plan = _plan(servers, "admin", "/v2.1/servers/detail?all_tenants=1&limit=5")
    assert_reads_index(plan, "ix_compute_instances_created")


def test_a_hosts_servers_are_found_by_host(servers: Any) -> None:
    plan = _plan(servers, "admin", "/v2.1/servers/detail?all_tenants=1&host=host-1")
    assert_reads_index(plan, "ix_compute_instances_host", sorts=True)


def test_lists_show_the_same_servers_whatever_they_read(servers: Any) -> None:
    _cloud, api = servers
    member = api.as_("member")
    brief = member.get("/v2.1/servers").json()["servers"]
    assert [s["name"] for s in brief] == [f"vm-{i}" for i in range(11, -1, -1)]
    assert set(brief[0]) == {"id", "name", "links"}
    # Below 2.96 the request spec is read only for the server without a host, whose zone is
    # the one it asked for.
    detail = {s["name"]: s for s in member.get("/v2.1/servers/detail").json()["servers"]}
    assert detail["vm-11"]["OS-EXT-AZ:availability_zone"] == "az-asked"
    assert detail["vm-11"]["status"] == "ERROR"
    assert detail["vm-11"]["fault"]["message"] == "No valid host was found."
    assert detail["vm-3"]["OS-EXT-AZ:availability_zone"] == "nova"
    assert detail["vm-3"]["flavor"] == {"id": "42", "links": detail["vm-3"]["flavor"]["links"]}
    # From 2.96 every server shows the zone it asked for.
    pinned = {s["name"]: s for s in member.get("/v2.1/servers/detail", headers=MV)
              .json()["servers"]}
    assert pinned["vm-11"]["pinned_availability_zone"] == "az-asked"
    assert pinned["vm-3"]["pinned_availability_zone"] is None
    assert pinned["vm-3"]["OS-EXT-AZ:availability_zone"] == "nova"
