"""Every write route of every service answers a malformed or wrongly shaped body with a 4xx in
its own fault format: never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.core.plugins import SERVICES

COVERS = [("all", "malformed and wrongly shaped bodies on every write route: never a 5xx"),
          ("all", "bad query parameters on every read route: never a 5xx")]

BODIES = [b"{not json", b"[]", b'"text"', b'{"unexpected": {"deeply": [1, 2, {"x": null}]}}']


def _server_error(resp: Any) -> bool:
    """A 5xx other than the 503 for another service that is not there: each service runs
    alone here, so a route that must ask another one (a proxy) can only say it is away."""
    return resp.status_code >= 500 and not (
        resp.status_code == 503 and "service is unavailable" in resp.text)


def _fill(path: str) -> str:
    # Path parameters get an id that exists nowhere; the project-style ones get the persona's.
    path = re.sub(r"\{project_id\}|\{tenant_id\}|\{account\}", "a0000000000000000000000000000000",
                  path)
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)


@pytest.mark.parametrize("service", SERVICES)
def test_bad_bodies_never_5xx(make_cloud: Callable[..., Any], service: str) -> None:
    cloud, api = make_cloud([service])
    runtime = cloud.runtimes[service]
    failures = []
    for spec in runtime.definition.router.routes:
        for method in spec.methods:
            if method not in ("POST", "PUT", "PATCH"):
                continue
            path = runtime.prefix + _fill(spec.path)
            for body in BODIES:
                resp = api.client.request(method, path, content=body, headers={
                    "X-Auth-Token": "persona-admin", "Content-Type": "application/json"})
                if _server_error(resp):
                    failures.append(f"{method} {spec.path} {body[:12]!r} -> {resp.status_code}")
    assert failures == []


QUERIES = ["limit=abc", "limit=-1", "marker=zzz", "sort_key=%00&sort_dir=sideways",
           "created_at=gte:notadate", "all_tenants=maybe", "size_min=big"]


@pytest.mark.parametrize("service", SERVICES)
def test_bad_queries_never_5xx(make_cloud: Callable[..., Any], service: str) -> None:
    cloud, api = make_cloud([service])
    runtime = cloud.runtimes[service]
    failures = []
    for spec in runtime.definition.router.routes:
        if "GET" not in spec.methods:
            continue
        path = runtime.prefix + _fill(spec.path)
        for query in QUERIES:
            resp = api.client.get(f"{path}?{query}", headers={"X-Auth-Token": "persona-admin"})
            if _server_error(resp):
                failures.append(f"GET {spec.path}?{query} -> {resp.status_code}")
    assert failures == []
