"""Minimum bandwidth and packet rate in Placement: what a port asks for (``resource_request``),
what each host's NIC reports, how a bound port's claim follows its policy, and the query and
mappings compute makes of them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.manager import port_resources
from nimbus.conf.network import NetworkSettings
from nimbus.network.manager.bandwidth import BandwidthProviders
from nimbus.network.manager.qos_allocations import reallocated
from tests.unit.network.conftest import Net

COVERS = [("network", "port resource_request from minimum bandwidth and packet rate rules "
                      "(physnet and vnic traits, one subtree), admin and service only"),
          ("network", "each compute node's NIC and agent reported to Placement with "
                      "bandwidth, packet rate and traits; a bound port's claim follows its "
                      "new policy"),
          ("compute", "ports' request groups in the candidates query (suffixed, in the "
                      "host's tree, one subtree per port) and the providers each took")]

BW_IN, PPS = "NET_BW_IGR_KILOBIT_PER_SEC", "NET_PACKET_RATE_KILOPACKET_PER_SEC"


def test_a_port_asks_for_what_its_policy_guarantees(net: Net) -> None:
    admin = net.as_("admin")
    policy = admin.post("/v2.0/qos/policies", json={"policy": {"name": "g", "shared": True}})
    pid = policy.json()["policy"]["id"]
    base = f"/v2.0/qos/policies/{pid}"
    admin.post(f"{base}/minimum_bandwidth_rules", json={
        "minimum_bandwidth_rule": {"min_kbps": 1000, "direction": "ingress"}})
    admin.post(f"{base}/minimum_packet_rate_rules", json={
        "minimum_packet_rate_rule": {"min_kpps": 10, "direction": "any"}})
    network = net.network("admin", **{"provider:network_type": "vlan",
                                       "provider:physical_network": "physnet1",
                                       "provider:segmentation_id": 3000, "shared": True})
    net.subnet(network["id"], persona="admin")
    port = net.port(network["id"], qos_policy_id=pid)
    assert "resource_request" not in port   # a member does not see it
    shown = admin.get(f"/v2.0/ports/{port['id']}").json()["port"]["resource_request"]
    groups = {tuple(g["resources"]): g for g in shown["request_groups"]}
    assert groups[(BW_IN,)]["required"] == ["CUSTOM_PHYSNET_PHYSNET1",
                                            "CUSTOM_VNIC_TYPE_NORMAL"]
    assert groups[(BW_IN,)]["resources"] == {BW_IN: 1000}
    assert groups[(PPS,)]["resources"] == {PPS: 10}
    assert sorted(shown["same_subtree"]) == sorted(g["id"] for g in shown["request_groups"])
    plain = net.port(network["id"])
    assert admin.get(f"/v2.0/ports/{plain['id']}").json()["port"]["resource_request"] is None


class _Placement:
    def __init__(self) -> None:
        self.providers = [{"name": "node-1", "uuid": "n1", "parent_provider_uuid": None}]
        self.calls: list[tuple[Any, ...]] = []

    def list_providers(self) -> list[dict[str, Any]]:
        return self.providers

    def ensure_trait(self, name: str) -> None:
        self.calls.append(("trait", name))

    def create_child(self, name: str, parent: str) -> dict[str, Any]:
        self.calls.append(("child", name, parent))
        return {"uuid": name, "generation": 0}

    def set_inventories(self, rp: str, generation: int, inv: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("inventory", rp, sorted(inv)))
        return {"resource_provider_generation": generation + 1}

    def set_traits(self, rp: str, traits: list[str], generation: int) -> dict[str, Any]:
        self.calls.append(("traits", rp, sorted(traits)))
        return {}


def test_each_compute_node_gets_its_nic_and_agent_once() -> None:
    placement = _Placement()
    reporter = BandwidthProviders(placement, NetworkSettings())  # type: ignore[arg-type]
    reporter.report()
    reporter.report()
    agent, nic = "node-1:Linux Bridge agent", "node-1:Linux Bridge agent:physnet1"
    assert [c for c in placement.calls if c[0] == "child"] == [
        ("child", agent, "n1"), ("child", nic, agent)]
    assert ("inventory", agent, [PPS]) in placement.calls
    assert ("inventory", nic, ["NET_BW_EGR_KILOBIT_PER_SEC", BW_IN]) in placement.calls
    assert ("traits", nic, ["CUSTOM_PHYSNET_PHYSNET1", "CUSTOM_VNIC_TYPE_NORMAL"]) \
        in placement.calls


def test_a_bound_ports_claim_follows_its_policy() -> None:
    held = {"node": {"resources": {"VCPU": 1}}, "nic": {"resources": {BW_IN: 1000}},
            "agent": {"resources": {PPS: 10}}}
    old = {"request_groups": [{"id": "bw", "resources": {BW_IN: 1000}},
                              {"id": "pps", "resources": {PPS: 10}}]}
    new = {"request_groups": [{"id": "bw", "resources": {BW_IN: 2000}},
                              {"id": "pps", "resources": {PPS: 5}}]}
    placed = {"bw": "nic", "pps": "agent"}
    assert reallocated(held, placed, old, new) == {
        "node": {"resources": {"VCPU": 1}}, "nic": {"resources": {BW_IN: 2000}},
        "agent": {"resources": {PPS: 5}}}
    assert reallocated(held, placed, old, None) == {"node": {"resources": {"VCPU": 1}}}


def test_compute_asks_for_each_ports_groups_in_the_hosts_tree() -> None:
    request = {"request_groups": [{"id": "bw", "required": ["CUSTOM_PHYSNET_P"],
                                   "resources": {BW_IN: 5}},
                                  {"id": "pps", "required": [], "resources": {PPS: 1}}],
               "same_subtree": ["bw", "pps"]}
    ports = port_resources.requests_of([{"port_id": "p", "resource_request": request},
                                        {"port_id": "q", "resource_request": None}])
    assert [p["port_id"] for p in ports] == ["p"]
    query = dict(port_resources.query({"VCPU": 1, "DISK_GB": 0}, ports, "tree"))
    assert query["resources"] == "VCPU:1" and query["in_tree"] == "tree"
    assert query["resources_p0g0"] == f"{BW_IN}:5" and query["in_tree_p0g0"] == "tree"
    assert query["required_p0g0"] == "CUSTOM_PHYSNET_P" and "required_p0g1" not in query
    assert query["same_subtree"] == "_p0g0,_p0g1"
    assert "resources" not in dict(port_resources.query({}, ports, "tree"))
    allocations = {"node": {"resources": {"VCPU": 1}}, "nic": {"resources": {BW_IN: 5}},
                   "agent": {"resources": {PPS: 1}}}
    assert port_resources.mappings(ports, allocations) == {"p": {"bw": "nic", "pps": "agent"}}
    less = port_resources.without(allocations, request, {"bw": "nic", "pps": "agent"})
    assert less == {"node": {"resources": {"VCPU": 1}}}
    assert port_resources.merged(less, {"nic": {"resources": {BW_IN: 5}}})["nic"] == {
        "resources": {BW_IN: 5}}
