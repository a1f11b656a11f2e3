"""Deferred delete (``compute.reclaim_instance_interval``): a delete powers the server off and
keeps it SOFT_DELETED; ``restore`` brings it back, ``forceDelete`` deletes it at once, and the
agent reclaims it once the interval has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from nimbus.compute.agent import ComputeAgent
from nimbus.compute.agent.recovery import recover
from nimbus.compute.db import instances as dbapi
from nimbus.compute.db.models import Instance
from nimbus.compute.drivers.fake import FakeDriver
from nimbus.compute.states import PowerState, TaskState
from nimbus.core.db.base import utcnow
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "soft delete with reclaim_instance_interval: SOFT_DELETED, restore, "
                      "forceDelete, periodic reclaim")]

HOUR = 3600


@pytest.fixture
def compute(make_compute: Any) -> Compute:
    made: Compute = make_compute(compute_reclaim_instance_interval=HOUR)
    return made


def act(compute: Compute, server_id: str, body: dict[str, Any], persona: str = "member",
        status: int = 202) -> None:
    resp = compute.as_(persona).post(f"/v2.1/servers/{server_id}/action", json=body,
                                     headers=MV)
    assert resp.status_code == status, resp.text


def delete(compute: Compute, server_id: str, persona: str = "member") -> None:
    resp = compute.as_(persona).delete(f"/v2.1/servers/{server_id}", headers=MV)
    assert resp.status_code == 204, resp.text


def soft_deleted(compute: Compute) -> dict[str, Any]:
    server = compute.boot()
    delete(compute, server["id"])
    return compute.wait(server["id"], "SOFT_DELETED", persona="member")


def test_a_delete_only_puts_the_server_aside(compute: Compute) -> None:
    server = soft_deleted(compute)
    assert server["OS-EXT-STS:vm_state"] == "soft-delete"
    assert compute.guests()[server["id"]]["power"] == PowerState.SHUTDOWN
    # Kept whole: its port, its allocation; listed with its status.
    assert compute.clients.network.list_ports(device_id=server["id"])
    assert server["id"] in compute.clients.placement.allocations
    listed = compute.as_("member").get("/v2.1/servers?status=SOFT_DELETED", headers=MV).json()
    assert [s["id"] for s in listed["servers"]] == [server["id"]]
    # Deleted again, it stays as it is.
    delete(compute, server["id"])
    assert compute.wait(server["id"], "SOFT_DELETED", persona="member")


def test_restore_brings_it_back(compute: Compute) -> None:
    server = soft_deleted(compute)
    act(compute, server["id"], {"restore": None})
    back = compute.wait(server["id"], "ACTIVE", persona="member")
    assert compute.guests()[back["id"]]["power"] == PowerState.RUNNING
    row = dbapi.get_instance(compute.state.db, server["id"])
    assert row.deleted_at is None
    actions = compute.as_("member").get(f"/v2.1/servers/{server['id']}/os-instance-actions",
                                        headers=MV).json()["instanceActions"]
    assert [a["action"] for a in actions][:2] == ["restore", "delete"]
    # Only a soft-deleted server can be restored.
    act(compute, server["id"], {"restore": None}, status=409)


def test_restore_is_the_owners(compute: Compute) -> None:
    server = soft_deleted(compute)
    act(compute, server["id"], {"restore": None}, persona="other", status=404)
    act(compute, server["id"], {"lock": None}, persona="admin")
    act(compute, server["id"], {"restore": None}, status=409)
    act(compute, server["id"], {"restore": None}, persona="admin")
    compute.wait(server["id"], "ACTIVE")


def test_force_delete_deletes_at_once(compute: Compute) -> None:
    server = soft_deleted(compute)
    act(compute, server["id"], {"forceDelete": None})
    compute.wait(server["id"], "GONE")
    assert server["id"] not in compute.guests()
    assert compute.clients.network.list_ports(device_id=server["id"]) == []
    assert server["id"] not in compute.clients.placement.allocations
    # Any server, soft-deleted or not.
    other = compute.boot()
    act(compute, other["id"], {"forceDelete": None})
    compute.wait(other["id"], "GONE")


def test_the_agent_reclaims_what_waited_long_enough(compute: Compute) -> None:
    early, late = soft_deleted(compute), soft_deleted(compute)
    agent = compute.state.agents[0]
    with compute.state.db.writer() as s:
        s.execute(update(Instance).where(Instance.uuid == early["id"])
                  .values(deleted_at=utcnow() - dt.timedelta(seconds=HOUR + 5)))
    assert agent.periodic.reclaim(utcnow()) == [early["id"]]
    compute.wait(early["id"], "GONE")
    assert early["id"] not in compute.guests()
    assert compute.clients.network.list_ports(device_id=early["id"]) == []
    assert compute.wait(late["id"], "SOFT_DELETED")
    assert agent.periodic.reclaim(utcnow() + dt.timedelta(seconds=HOUR + 1)) == [late["id"]]
    compute.wait(late["id"], "GONE")


def test_a_restored_server_is_not_reclaimed(compute: Compute) -> None:
    server = soft_deleted(compute)
    act(compute, server["id"], {"restore": None})
    compute.wait(server["id"], "ACTIVE")
    later = utcnow() + dt.timedelta(seconds=2 * HOUR)
    assert compute.state.agents[0].periodic.reclaim(later) == []
    assert compute.wait(server["id"], "ACTIVE")


def test_a_server_that_never_ran_is_deleted_at_once(compute: Compute) -> None:
    failed = compute.boot(wait="ERROR", metadata={"fake_fail": "spawn"})
    delete(compute, failed["id"])
    compute.wait(failed["id"], "GONE")


def test_without_an_interval_a_delete_is_at_once(make_compute: Any) -> None:
    compute: Compute = make_compute()
    server = compute.boot()
    delete(compute, server["id"])
    compute.wait(server["id"], "GONE")
    assert compute.state.agents[0].periodic.period() is None


def test_the_agent_reclaims_on_its_own(make_compute: Any) -> None:
    compute: Compute = make_compute(compute_reclaim_instance_interval=1)
    server = compute.boot()
    delete(compute, server["id"])
    compute.wait(server["id"], "GONE", timeout=30)
    assert server["id"] not in compute.guests()


def test_a_soft_delete_cut_short_is_done_when_the_agent_starts(make_compute: Any) -> None:
    compute: Compute = make_compute(workers=False, compute_reclaim_instance_interval=HOUR)
    compute.cloud.start_workers({"scheduler", "compute-agent"})
    server = compute.boot()
    # As a crash leaves it: the task set, the guest still running, the agent gone.
    for agent in compute.state.agents:
        agent.stop()
    dbapi.update_instance(compute.state.db, server["id"], expected_task=None,
                          task_state=TaskState.SOFT_DELETING, deleted_at=utcnow())
    restarted = ComputeAgent(compute.state.agents[0].deps, "node",
                             FakeDriver("node", compute.cloud.settings))
    recover(restarted.work)
    assert compute.wait(server["id"], "SOFT_DELETED")
    assert compute.guests()[server["id"]]["power"] == PowerState.SHUTDOWN
