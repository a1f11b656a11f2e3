"""Which agent hosts what: the l3_agent_scheduler and dhcp_agent_scheduler extensions."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.network.agent.reports import reports
from tests.unit.network.conftest import Net

COVERS = [("network", "agent schedulers: routers on L3 agents and networks on DHCP agents "
                      "(list, add, remove, auto-scheduling, agents' claims); admin only")]


def _agents(net: Net, host: str) -> dict[str, str]:
    state: Any = net.cloud.runtimes["network"].state
    state.agents.report(host, reports(None), starting=True)
    listed = net.as_("admin").get("/v2.0/agents", params={"host": host}).json()["agents"]
    return {a["agent_type"]: a["id"] for a in listed}


def _routed(net: Net) -> tuple[dict[str, Any], dict[str, Any]]:
    network = net.network()
    subnet = net.subnet(network["id"])
    router = net.router()
    resp = net.as_("member").put(f"/v2.0/routers/{router['id']}/add_router_interface",
                                 json={"subnet_id": subnet["id"]})
    assert resp.status_code == 200, resp.text
    return network, router


def fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def test_a_router_with_an_interface_is_hosted_and_an_admin_moves_it(net: Net) -> None:
    a = _agents(net, "host-a")
    _, router = _routed(net)
    admin = net.as_("admin")
    hosting = admin.get(f"/v2.0/routers/{router['id']}/l3-agents").json()["agents"]
    assert [h["id"] for h in hosting] == [a["L3 agent"]]
    on_agent = admin.get(f"/v2.0/agents/{a['L3 agent']}/l3-routers").json()["routers"]
    assert [r["id"] for r in on_agent] == [router["id"]]
    # Taken off, it stays off until given back.
    url = f"/v2.0/agents/{a['L3 agent']}/l3-routers"
    assert admin.delete(f"{url}/{router['id']}").status_code == 204
    assert admin.get(f"/v2.0/routers/{router['id']}/l3-agents").json()["agents"] == []
    again = admin.delete(f"{url}/{router['id']}")
    assert again.status_code == 409 and fault(again) == "RouterNotHostedByL3Agent"
    b = _agents(net, "host-b")
    resp = admin.post(f"/v2.0/agents/{b['L3 agent']}/l3-routers",
                      json={"router_id": router["id"]})
    assert resp.status_code == 201, resp.text
    taken = admin.post(url, json={"router_id": router["id"]})
    assert taken.status_code == 409 and fault(taken) == "RouterHostedByL3Agent"
    assert b["L3 agent"] in taken.text
    not_l3 = admin.post(f"/v2.0/agents/{a['DHCP agent']}/l3-routers",
                        json={"router_id": router["id"]})
    assert not_l3.status_code == 404 and fault(not_l3) == "InvalidL3Agent"
    nowhere = admin.post(url, json={"router_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12})
    assert nowhere.status_code == 404 and fault(nowhere) == "RouterNotFound"
    assert admin.post(url, json={}).status_code == 400


def test_networks_are_given_to_dhcp_agents_and_taken_back(net: Net) -> None:
    a = _agents(net, "host-a")
    network = net.network()
    admin = net.as_("admin")
    url = f"/v2.0/agents/{a['DHCP agent']}/dhcp-networks"
    assert admin.post(url, json={"network_id": network["id"]}).status_code == 201
    twice = admin.post(url, json={"network_id": network["id"]})
    assert twice.status_code == 409 and fault(twice) == "NetworkHostedByDHCPAgent"
    assert [n["id"] for n in admin.get(url).json()["networks"]] == [network["id"]]
    serving = admin.get(f"/v2.0/networks/{network['id']}/dhcp-agents").json()["agents"]
    assert [s["host"] for s in serving] == ["host-a"]
    assert admin.delete(f"{url}/{network['id']}").status_code == 204
    gone = admin.delete(f"{url}/{network['id']}")
    assert gone.status_code == 409 and fault(gone) == "NetworkNotHostedByDhcpAgent"
    not_dhcp = admin.post(f"/v2.0/agents/{a['L3 agent']}/dhcp-networks",
                          json={"network_id": network["id"]})
    assert not_dhcp.status_code == 404 and fault(not_dhcp) == "InvalidDHCPAgent"


def test_an_agent_claims_what_nothing_hosts(net: Net) -> None:
    state: Any = net.cloud.runtimes["network"].state
    network, router = _routed(net)  # no agent yet: nothing hosts it
    _agents(net, "host-a")
    admin = net.as_("admin")
    assert admin.get(f"/v2.0/routers/{router['id']}/l3-agents").json()["agents"] == []
    before = state.schedulers.claim("host-a", {router["id"]}, {network["id"]},
                                    include_routers=False)
    assert before.routers == set() and before.unhosted_routers == {router["id"]}
    hosting = state.schedulers.claim("host-a", {router["id"]}, {network["id"]},
                                     include_routers=True)
    assert hosting.routers == {router["id"]} and hosting.networks == {network["id"]}
    assert hosting.unhosted_routers == set()
    # Another host's agent finds them taken.
    _agents(net, "host-b")
    other = state.schedulers.claim("host-b", {router["id"]}, {network["id"]},
                                   include_routers=True)
    assert (other.routers, other.networks, other.unhosted_routers) == (set(), set(), set())


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_use_the_schedulers(net: Net, persona: str) -> None:
    a = _agents(net, "host-a")
    network, router = _routed(net)
    api = net.as_(persona)
    for path in (f"/v2.0/agents/{a['L3 agent']}/l3-routers",
                 f"/v2.0/routers/{router['id']}/l3-agents",
                 f"/v2.0/agents/{a['DHCP agent']}/dhcp-networks",
                 f"/v2.0/networks/{network['id']}/dhcp-agents"):
        assert api.get(path).status_code == 403, path
    assert api.delete(f"/v2.0/agents/{a['L3 agent']}/l3-routers/{router['id']}"
                      ).status_code == 403
    assert api.post(f"/v2.0/agents/{a['DHCP agent']}/dhcp-networks",
                    json={"network_id": network["id"]}).status_code == 403
    hosting = net.as_("admin").get(f"/v2.0/routers/{router['id']}/l3-agents").json()["agents"]
    assert len(hosting) == 1


def test_agents_report_floating_ip_status(net: Net) -> None:
    state: Any = net.cloud.runtimes["network"].state
    public, _ = net.public()
    network, router = _routed(net)
    resp = net.as_("member").put(f"/v2.0/routers/{router['id']}", json={"router": {
        "external_gateway_info": {"network_id": public["id"]}}})
    assert resp.status_code == 200, resp.text
    port = net.port(network["id"])
    resp = net.as_("member").post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "port_id": port["id"]}})
    fip = resp.json()["floatingip"]
    assert fip["status"] == "ACTIVE"
    state.floating_ips.report_status({fip["id"]: "DOWN"})
    shown = net.as_("member").get(f"/v2.0/floatingips/{fip['id']}").json()["floatingip"]
    assert shown["status"] == "DOWN" and shown["revision_number"] > fip["revision_number"]
    state.floating_ips.report_status({fip["id"]: "ACTIVE"})
    assert net.as_("member").get(f"/v2.0/floatingips/{fip['id']}").json()[
        "floatingip"]["status"] == "ACTIVE"
