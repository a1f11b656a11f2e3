"""Network IP availability: each network's subnets, their pools' size and what is used."""

from __future__ import annotations

import pytest

from tests.unit.network.conftest import Net

COVERS = [("network", "network IP availability: list (filtered) and show, per subnet total "
                      "and used addresses, admin only")]

BASE = "/v2.0/network-ip-availabilities"


def test_availability_counts_pool_addresses_and_ports(net: Net) -> None:
    network = net.network(name="counted")
    subnet = net.subnet(network["id"], "10.77.0.0/28")
    net.subnet(network["id"], "fd00:77::/64")
    for _ in range(3):
        net.port(network["id"], fixed_ips=[{"subnet_id": subnet["id"]}])
    admin = net.as_("admin")
    shown = admin.get(f"{BASE}/{network['id']}").json()["network_ip_availability"]
    assert shown["network_name"] == "counted" and shown["project_id"] == network["project_id"]
    by_version = {s["ip_version"]: s for s in shown["subnet_ip_availability"]}
    # A /28's pool: .2 to .14, the gateway being .1.
    assert (by_version[4]["total_ips"], by_version[4]["used_ips"]) == (13, 3)
    assert by_version[4]["cidr"] == "10.77.0.0/28"
    assert shown["used_ips"] == 3
    only_v4 = admin.get(f"{BASE}?network_id={network['id']}&ip_version=4").json()
    [item] = only_v4["network_ip_availabilities"]
    assert [s["ip_version"] for s in item["subnet_ip_availability"]] == [4]
    named = admin.get(f"{BASE}?network_name=counted&fields=network_id").json()
    assert named["network_ip_availabilities"] == [{"network_id": network["id"]}]
    missing = admin.get(f"{BASE}/00000000-0000-0000-0000-000000000044")
    assert missing.status_code == 404


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_availability_is_an_admins(net: Net, persona: str) -> None:
    network = net.network()
    assert net.as_(persona).get(BASE).json()["network_ip_availabilities"] == []
    assert net.as_(persona).get(f"{BASE}/{network['id']}").status_code == 404
