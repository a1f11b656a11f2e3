"""DHCPv6 address modes as tempest drives them, and the shape of Neutron faults."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from tests.unit.network.conftest import Net


def _eui64(cidr: str, mac: str) -> str:
    octets = [int(p, 16) for p in mac.split(":")]
    octets[0] ^= 0x02
    iid = bytes(octets[:3] + [0xFF, 0xFE] + octets[3:])
    return str(ipaddress.ip_network(cidr).network_address + int.from_bytes(iid, "big"))


@pytest.mark.parametrize("modes", [
    {"ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"},
    {"ipv6_ra_mode": "dhcpv6-stateless", "ipv6_address_mode": "dhcpv6-stateless"},
    {"ipv6_address_mode": "slaac"},
])
def test_auto_address_modes(net: Net, modes: dict[str, Any]) -> None:
    network = net.network()
    slaac = net.subnet(network["id"], "2001:db8:0:1::/64", **modes)
    v4 = net.subnet(network["id"], "10.70.0.0/24")
    port = net.port(network["id"], mac_address="fa:16:3e:11:22:33")
    ips = {ip["subnet_id"]: ip["ip_address"] for ip in port["fixed_ips"]}
    assert ips[slaac["id"]] == _eui64(slaac["cidr"], "fa:16:3e:11:22:33")
    assert ips[v4["id"]] == "10.70.0.2"
    # a SLAAC subnet goes away under its ports; the network does not
    api = net.api.as_("member")
    assert api.delete(f"/v2.0/subnets/{slaac['id']}").status_code == 204
    still = api.get(f"/v2.0/ports/{port['id']}").json()["port"]
    assert [ip["subnet_id"] for ip in still["fixed_ips"]] == [v4["id"]]
    blocked = api.delete(f"/v2.0/networks/{network['id']}")
    assert blocked.status_code == 409
    assert "There are one or more ports still in use on the network" in \
        blocked.json()["NeutronError"]["message"]


def test_stateful_v6(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "2001:db8:0:2::/64", ipv6_ra_mode="dhcpv6-stateful",
                        ipv6_address_mode="dhcpv6-stateful")
    assert subnet["allocation_pools"][0]["start"] == "2001:db8:0:2::2"
    port = net.port(network["id"])
    assert port["fixed_ips"][0]["ip_address"] == "2001:db8:0:2::2"
    last = ipaddress.ip_address(subnet["allocation_pools"][0]["end"])
    api = net.api.as_("member")
    out = api.post("/v2.0/ports", json={"port": {"network_id": network["id"], "fixed_ips": [
        {"subnet_id": subnet["id"], "ip_address": str(last + 1)}]}})
    assert out.status_code == 400
    dup = api.post("/v2.0/ports", json={"port": {"network_id": network["id"], "fixed_ips": [
        {"subnet_id": subnet["id"], "ip_address": "2001:db8:0:2::2"}]}})
    assert dup.status_code == 409


@pytest.mark.parametrize("ra,addr", [("dhcpv6-stateless", "dhcpv6-stateful"),
                                     ("slaac", "dhcpv6-stateless"),
                                     ("dhcpv6-stateful", "slaac")])
def test_invalid_mode_pairs(net: Net, ra: str, addr: str) -> None:
    network = net.network()
    resp = net.api.as_("member").post("/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "2001:db8:0:3::/64", "ip_version": 6,
        "ipv6_ra_mode": ra, "ipv6_address_mode": addr}})
    assert resp.status_code == 400


@pytest.mark.parametrize("protocol,low,high", [
    ("tcp", -16, 80), ("tcp", 80, 79), ("tcp", 80, 65536), ("tcp", None, 6),
    ("icmp", -16, None), ("icmp", None, 6), ("icmp", 300, 1), ("icmp", 1, 300),
])
def test_invalid_rule_ports(net: Net, protocol: str, low: int | None,
                            high: int | None) -> None:
    api = net.api.as_("member")
    group = api.post("/v2.0/security-groups", json={"security_group": {"name": "g"}}).json()
    resp = api.post("/v2.0/security-group-rules", json={"security_group_rule": {
        "security_group_id": group["security_group"]["id"], "direction": "ingress",
        "protocol": protocol, "port_range_min": low, "port_range_max": high}})
    assert resp.status_code == 400, resp.text


def test_fault_body_and_unknown_paths(net: Net) -> None:
    resp = net.api.as_("member").get("/v2.0/routers/00000000-0000-0000-0000-00000000000a")
    body = resp.json()["NeutronError"]
    assert set(body) == {"type", "message", "detail"}
    assert "x-openstack-request-id" in resp.headers
    assert net.api.as_("member").get("/v2.0/nonsense").status_code == 404
    assert net.api.as_(None).get("/v2.0/networks").status_code == 401
    bad_uuid = net.api.as_("member").post("/v2.0/ports", json={"port": {"network_id": "x"}})
    assert bad_uuid.status_code == 400 and "network_id" in bad_uuid.json()[
        "NeutronError"]["message"]
    wrong_type = net.api.as_("member").post("/v2.0/networks", json=["network"])
    assert wrong_type.status_code == 400
    too_long = net.api.as_("member").post("/v2.0/networks",
                                          json={"network": {"name": "x" * 300}})
    assert too_long.status_code == 400


def test_whole_cloud_bootstrap_without_facts(make_cloud: Any) -> None:
    cloud, api = make_cloud(["network"], prefix="/network", bootstrap=True)
    assert api.as_("admin").get("/v2.0/networks").json()["networks"] == []
    assert cloud.health()["network"]["driver"] == "fake"
