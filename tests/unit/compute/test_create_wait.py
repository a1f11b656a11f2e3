"""``compute.create_wait``: a create of one server holds its 202 while the server builds, so
that the client's first look finds it ACTIVE; a build that takes longer is answered when the
time is up (still BUILD), and a request for several servers is answered at once."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [("compute", "create_wait: a create answers once its server left BUILD (bounded)")]

BODY = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
        "networks": [{"uuid": NETWORK_ID}]}


def _status(compute: Compute, server_id: str) -> str:
    resp = compute.as_("member").get(f"/v2.1/servers/{server_id}", headers=MV)
    return str(resp.json()["server"]["status"])


def test_the_first_look_finds_the_server_active(make_compute: Callable[..., Compute]) -> None:
    compute = make_compute(compute_create_wait=5)
    resp = compute.as_("member").post("/v2.1/servers", json={"server": BODY}, headers=MV)
    assert resp.status_code == 202, resp.text
    assert set(resp.json()["server"]) >= {"id", "links", "adminPass"}
    assert _status(compute, resp.json()["server"]["id"]) == "ACTIVE"


def test_a_build_that_takes_longer_is_answered_in_time(
        make_compute: Callable[..., Compute]) -> None:
    # No agent: nothing builds, so the create waits its whole allowance, and no more.
    compute = make_compute(workers=False, compute_create_wait=0.5)
    started = time.monotonic()
    resp = compute.as_("member").post("/v2.1/servers", json={"server": BODY}, headers=MV)
    took = time.monotonic() - started
    assert resp.status_code == 202, resp.text
    assert 0.5 <= took < 5, took
    assert _status(compute, resp.json()["server"]["id"]) == "BUILD"


def test_several_servers_are_answered_at_once(make_compute: Callable[..., Compute]) -> None:
    compute = make_compute(workers=False, compute_create_wait=30)
    started = time.monotonic()
    resp = compute.as_("member").post(
        "/v2.1/servers", json={"server": {**BODY, "min_count": 2, "max_count": 2}}, headers=MV)
    assert resp.status_code == 202, resp.text
    assert time.monotonic() - started < 10
