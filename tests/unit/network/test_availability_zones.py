"""Availability zones: listed from the agents' zones, and the hints networks and routers
keep."""

from __future__ import annotations

import datetime as dt

import pytest

from nimbus.network.db.models import Agent
from nimbus.network.manager.agents import AgentReport
from tests.unit.network.conftest import Net

COVERS = [("network", "availability zones: list (filters, fields) from the DHCP and L3 "
                      "agents' zones, state by their liveness; network and router hints kept "
                      "and shown, unknown zones refused")]


def test_without_agents_everything_is_in_the_one_zone(net: Net) -> None:
    zones = net.as_("member").get("/v2.0/availability_zones").json()["availability_zones"]
    assert sorted((z["name"], z["resource"], z["state"]) for z in zones) == [
        ("nova", "network", "available"), ("nova", "router", "available")]
    only = net.as_("member").get("/v2.0/availability_zones?resource=router&fields=name")
    assert only.json()["availability_zones"] == [{"name": "nova"}]


def test_hints_are_kept_and_unknown_zones_refused(net: Net) -> None:
    api = net.as_("member")
    made = api.post("/v2.0/routers", json={"router": {
        "name": "r", "availability_zone_hints": ["nova"]}})
    assert made.status_code == 201, made.text
    router = made.json()["router"]
    assert router["availability_zone_hints"] == ["nova"]
    assert router["availability_zones"] == ["nova"]
    listed = api.get("/v2.0/routers?fields=availability_zone_hints").json()["routers"]
    assert {"availability_zone_hints": ["nova"]} in listed
    network = api.post("/v2.0/networks", json={"network": {
        "availability_zone_hints": ["nova"]}}).json()["network"]
    assert network["availability_zone_hints"] == ["nova"]
    for path, kind in (("/v2.0/routers", "router"), ("/v2.0/networks", "network")):
        bad = api.post(path, json={kind: {"availability_zone_hints": ["mars"]}})
        assert bad.status_code == 404, bad.text
        assert bad.json()["NeutronError"]["type"] == "AvailabilityZoneNotFound"
        assert "mars" in bad.json()["NeutronError"]["message"]


def test_agents_zones_and_their_state(net: Net) -> None:
    agents = net.cloud.runtimes["network"].state.agents
    agents.report("host-a", [AgentReport("DHCP agent", "neutron-dhcp-agent", "dhcp_agent",
                                         "zone-a"),
                             AgentReport("L3 agent", "neutron-l3-agent", "l3_agent", "zone-b"),
                             AgentReport("Metadata agent", "neutron-metadata-agent", "N/A")])
    zones = {(z["name"], z["resource"]): z["state"] for z in agents.zones()}
    assert zones == {("zone-a", "network"): "available", ("zone-b", "router"): "available"}
    # An agent that stopped reporting leaves its zone unavailable.
    [l3] = [a for a in agents.listing() if a["agent_type"] == "L3 agent"]
    with agents.db.writer() as s:
        row = s.get(Agent, l3["id"])
        assert row is not None
        row.heartbeat_timestamp -= dt.timedelta(hours=1)
    zones = {(z["name"], z["resource"]): z["state"] for z in agents.zones()}
    assert zones[("zone-b", "router")] == "unavailable"
    # "nova" is no zone once the agents name theirs.
    bad = net.as_("member").post("/v2.0/routers", json={"router": {
        "availability_zone_hints": ["nova"]}})
    assert bad.status_code == 404
    ok = net.as_("member").post("/v2.0/routers", json={"router": {
        "availability_zone_hints": ["zone-b"]}})
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("persona", ["reader", "other"])
def test_every_project_user_may_list_zones(net: Net, persona: str) -> None:
    resp = net.as_(persona).get("/v2.0/availability_zones")
    assert resp.status_code == 200 and resp.json()["availability_zones"]
