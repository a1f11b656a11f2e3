"""Hostile values in every compute route's path segments and in the headers compute reads:
a 4xx in Nova's fault body, never a 5xx and no ERROR in the log (ids with NUL or longer than
any column are never looked up: PostgreSQL refuses NUL in a query)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

from nimbus.compute.db import ids
from nimbus.compute.state import Clients, build
from tests.support.backends import scratch_database
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import FakeClients

COVERS = [("compute", "hostile path segments and version headers on every route: a 4xx")]

SEGMENTS = ["a\x00b", "x" * 5000, "..", "%2F..%2F", "\ud7ff\u202e", "' OR 1=1 --", "-1",
            "00000000-0000-0000-0000-000000000000\x00"]
HEADERS = [{"OpenStack-API-Version": "compute 2.\x00"}, {"X-OpenStack-Nova-API-Version": "9" * 80},
           {"OpenStack-API-Version": "compute latest, compute 2.1"}]


def _paths(compute: Compute, value: str) -> list[tuple[str, str]]:
    runtime = compute.cloud.runtimes["compute"]
    found = []
    for spec in runtime.definition.router.routes:
        path = re.sub(r"\{[^}]+\}", quote(value, safe=""), spec.path)
        found += [(method, path) for method in spec.methods]
    return found


@pytest.fixture
def on_postgresql(make_cloud: Callable[..., Any]) -> Iterator[Compute]:
    """Compute's API on PostgreSQL, which refuses NUL in any query."""
    with scratch_database("postgresql") as url:
        cloud, api = make_cloud(["compute"], prefix="/compute", db_url=url)
        clients = FakeClients()
        cloud.runtimes["compute"].state = build(cloud, Clients(
            image=clients.image, network=clients.network, volume=clients.volume,
            placement=clients.placement))
        cloud.bootstrap()
        yield Compute(cloud, api, clients)
        cloud.db.dispose()


@pytest.mark.parametrize("value", SEGMENTS)
def test_hostile_path_segments_are_a_4xx(compute: Compute, value: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    _every_route_answers_4xx(compute, value, caplog)


def test_hostile_path_segments_on_postgresql(on_postgresql: Compute,
                                            caplog: pytest.LogCaptureFixture) -> None:
    for value in SEGMENTS:
        _every_route_answers_4xx(on_postgresql, value, caplog)


QUERIES = ["name=a%00b", "image=a%00b", "flavor=a%00b", "host=a%00b", "marker=a%00b",
           "tags=a%00b", "not-tags-any=a%00b", "project_id=a%00b", "status=a%00b",
           "changes-since=a%00b", "sort_key=display_name&sort_dir=a%00b", "all_tenants=a%00b",
           "user_id=a%00b", "limit=a%00b", "minRam=a%00b", "is_public=a%00b"]


def test_hostile_queries_and_tags_on_postgresql(on_postgresql: Compute,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    admin = on_postgresql.as_("admin")
    from nimbus.compute.db import instances as dbapi

    server = "0d7c6a8c-7a4b-4c4e-9f5e-1b2c3d4e5f60"
    dbapi.create_instance(on_postgresql.state.db, {
        "uuid": server, "name": "vm", "project_id": "p", "user_id": "u", "flavor_id": "42",
        "vm_state": "building", "task_state": "scheduling"})
    failures = []
    for path in ("/v2.1/servers", "/v2.1/servers/detail", "/v2.1/flavors", "/v2.1/os-keypairs",
                 f"/v2.1/servers/{server}/os-instance-actions", "/v2.1/os-services",
                 f"/v2.1/servers/{server}/os-volume_attachments"):
        for query in QUERIES:
            resp = admin.get(f"{path}?{query}", headers=MV)
            if resp.status_code >= 500:
                failures.append(f"GET {path}?{query} -> {resp.status_code}")
    for method in ("PUT", "GET", "DELETE"):
        resp = admin.request(method, f"/v2.1/servers/{server}/tags/a%00b", headers=MV)
        if resp.status_code >= 500:
            failures.append(f"{method} tags/a%00b -> {resp.status_code}")
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [] and errors == []


def _every_route_answers_4xx(compute: Compute, value: str,
                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    failures = []
    for method, path in _paths(compute, value):
        body = {"server": {"name": "x"}} if method in ("POST", "PUT") else None
        resp = compute.as_("admin").request(method, path, json=body, headers=MV)
        if resp.status_code >= 500:
            failures.append(f"{method} {path[:80]} -> {resp.status_code} {resp.text[:120]}")
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [] and errors == []


def test_hostile_version_headers_are_a_4xx(compute: Compute) -> None:
    server = compute.boot()
    for headers in HEADERS:
        for path in ("/v2.1/servers", f"/v2.1/servers/{server['id']}", "/v2.1/flavors"):
            resp = compute.as_("member").get(path, headers=headers)
            assert resp.status_code < 500, (headers, path, resp.text)


@pytest.mark.parametrize(("value", "fits"), [("abc", True), ("a\x00b", False),
                                              ("x" * 256, False), ("x" * 255, True)])
def test_ids_that_no_column_holds_are_never_looked_up(value: str, fits: bool) -> None:
    assert ids.storable_id(value) is fits
