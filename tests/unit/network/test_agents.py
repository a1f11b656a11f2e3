"""/v2.0/agents: each host's agents as their process reports them, alive while it beats."""

from __future__ import annotations

import datetime as dt

import pytest

from nimbus.network.agent.reports import reports
from nimbus.network.db.models import Agent
from nimbus.network.manager.agents import DOWN_AFTER
from tests.unit.network.conftest import Net

COVERS = [("network", "agents: list (filters, alive), show, update, delete; admin only")]


def _state(net: Net) -> object:
    return net.cloud.runtimes["network"].state


def test_reported_agents_are_listed_alive_and_filtered(net: Net) -> None:
    state = _state(net)
    state.agents.report("host-a", reports(None), starting=True)  # type: ignore[attr-defined]
    admin = net.as_("admin")
    listed = admin.get("/v2.0/agents").json()["agents"]
    assert sorted(a["agent_type"] for a in listed) == [
        "DHCP agent", "L3 agent", "Linux bridge agent", "Metadata agent"]
    assert all(a["alive"] and a["host"] == "host-a" and a["admin_state_up"] for a in listed)
    l3 = admin.get("/v2.0/agents", params={"agent_type": "L3 Agent"}).json()["agents"]
    assert [a["binary"] for a in l3] == ["neutron-l3-agent"]
    assert l3[0]["availability_zone"] == "nova" and l3[0]["topic"] == "l3_agent"
    only = admin.get("/v2.0/agents", params={"binary": "neutron-dhcp-agent",
                                              "fields": "id"}).json()["agents"]
    assert len(only) == 1 and list(only[0]) == ["id"]
    shown = admin.get(f"/v2.0/agents/{l3[0]['id']}").json()["agent"]
    assert shown["configurations"]["agent_mode"] == "legacy"
    # A second report is a heartbeat, not another agent.
    state.agents.report("host-a", reports(None))  # type: ignore[attr-defined]
    assert len(admin.get("/v2.0/agents").json()["agents"]) == 4


def test_an_agent_that_stops_reporting_is_not_alive(net: Net) -> None:
    state = _state(net)
    state.agents.report("host-b", reports(None)[:1])  # type: ignore[attr-defined]
    db = state.agents.db  # type: ignore[attr-defined]
    with db.writer() as s:
        for row in s.query(Agent).all():
            row.heartbeat_timestamp -= DOWN_AFTER + dt.timedelta(seconds=1)
    (agent,) = net.as_("admin").get("/v2.0/agents").json()["agents"]
    assert agent["alive"] is False


def test_admins_take_an_agent_down_describe_it_and_delete_it(net: Net) -> None:
    _state(net).agents.report("host-c", reports(None)[:1])  # type: ignore[attr-defined]
    admin = net.as_("admin")
    agent_id = admin.get("/v2.0/agents").json()["agents"][0]["id"]
    resp = admin.put(f"/v2.0/agents/{agent_id}",
                     json={"agent": {"admin_state_up": False, "description": "maintenance"}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["agent"]["admin_state_up"] is False
    assert resp.json()["agent"]["description"] == "maintenance"
    bad = admin.put(f"/v2.0/agents/{agent_id}", json={"agent": {"admin_state_up": "maybe"}})
    assert bad.status_code == 400 and "admin_state_up" in bad.text
    host = admin.put(f"/v2.0/agents/{agent_id}", json={"agent": {"host": "elsewhere"}})
    assert host.status_code == 400
    assert admin.delete(f"/v2.0/agents/{agent_id}").status_code == 204
    missing = admin.get(f"/v2.0/agents/{agent_id}")
    assert missing.status_code == 404
    assert missing.json()["NeutronError"]["type"] == "AgentNotFound"


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_see_or_change_agents(net: Net, persona: str) -> None:
    _state(net).agents.report("host-d", reports(None)[:1])  # type: ignore[attr-defined]
    agent_id = net.as_("admin").get("/v2.0/agents").json()["agents"][0]["id"]
    api = net.as_(persona)
    # A list filters by policy (as Neutron's does): nothing to see, rather than a 403.
    listed = api.get("/v2.0/agents")
    assert listed.status_code == 200 and listed.json()["agents"] == []
    # An agent they may not see is not there for them (Neutron hides it: 404).
    assert api.get(f"/v2.0/agents/{agent_id}").status_code == 404
    assert api.put(f"/v2.0/agents/{agent_id}",
                   json={"agent": {"admin_state_up": False}}).status_code == 404
    assert api.delete(f"/v2.0/agents/{agent_id}").status_code == 404
    assert net.as_("admin").get(f"/v2.0/agents/{agent_id}").json()["agent"]["admin_state_up"]
