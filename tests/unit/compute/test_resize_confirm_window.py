"""``compute.resize_confirm_window``: a resize left in VERIFY_RESIZE longer than the window is
confirmed by the destination's agent, as its owner would confirm it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from nimbus.compute.db import server_migrations as migrations
from nimbus.core.db.base import utcnow
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "resize_confirm_window: unconfirmed resizes confirmed by the agent")]

HOUR = 3600


@pytest.fixture
def compute(make_compute: Any) -> Compute:
    made: Compute = make_compute(compute_resize_confirm_window=HOUR)
    return made


def resized(compute: Compute) -> dict[str, Any]:
    server = compute.boot()
    resp = compute.as_("member").post(f"/v2.1/servers/{server['id']}/action",
                                      json={"resize": {"flavorRef": "84"}}, headers=MV)
    assert resp.status_code == 202, resp.text
    return compute.wait(server["id"], "VERIFY_RESIZE")


def test_a_resize_waiting_longer_than_the_window_is_confirmed(compute: Compute) -> None:
    server = resized(compute)
    periodic = compute.state.agents[0].periodic
    assert periodic.confirm_resizes(utcnow()) == []     # not yet
    assert compute.wait(server["id"], "VERIFY_RESIZE")
    later = utcnow() + dt.timedelta(seconds=HOUR + 1)
    assert periodic.confirm_resizes(later) == [server["id"]]
    done = compute.wait(server["id"], "ACTIVE")
    assert done["flavor"]["original_name"] == "m1.micro"
    [migration] = migrations.list_migrations(compute.state.db, instance_uuid=server["id"])
    assert migration.status == "confirmed"
    assert set(compute.clients.placement.allocations) == {server["id"]}
    actions = compute.as_("member").get(f"/v2.1/servers/{server['id']}/os-instance-actions",
                                        headers=MV).json()["instanceActions"]
    assert actions[0]["action"] == "confirmResize"
    assert periodic.confirm_resizes(later) == []


def test_a_resize_no_longer_waiting_is_closed_as_an_error(compute: Compute) -> None:
    server = resized(compute)
    compute.as_("admin").post(f"/v2.1/servers/{server['id']}/action",
                              json={"os-resetState": {"state": "error"}}, headers=MV)
    later = utcnow() + dt.timedelta(seconds=HOUR + 1)
    assert compute.state.agents[0].periodic.confirm_resizes(later) == []
    [migration] = migrations.list_migrations(compute.state.db, instance_uuid=server["id"])
    assert migration.status == "error"


def test_without_a_window_nothing_is_confirmed(make_compute: Any) -> None:
    compute: Compute = make_compute()
    server = resized(compute)
    later = utcnow() + dt.timedelta(days=30)
    assert compute.state.agents[0].periodic.confirm_resizes(later) == []
    assert compute.wait(server["id"], "VERIFY_RESIZE")


def test_the_agent_confirms_on_its_own(make_compute: Any) -> None:
    compute: Compute = make_compute(compute_resize_confirm_window=1)
    server = compute.boot()
    resp = compute.as_("member").post(f"/v2.1/servers/{server['id']}/action",
                                      json={"resize": {"flavorRef": "84"}}, headers=MV)
    assert resp.status_code == 202, resp.text

    def confirmed() -> bool:
        found = migrations.list_migrations(compute.state.db, instance_uuid=server["id"])
        return [m.status for m in found] == ["confirmed"]

    compute.wait_for(confirmed, timeout=30)
    assert compute.wait(server["id"], "ACTIVE")["flavor"]["original_name"] == "m1.micro"
