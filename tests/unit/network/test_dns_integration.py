"""DNS integration (ports' dns_name and dns_assignment, networks' and floating IPs' DNS
attributes, and what the DHCP server answers for them), and ports' MAC learning."""

from __future__ import annotations

from typing import Any

from nimbus.network.drivers.linux.dhcp import DhcpWant, dns_file, hosts_file
from nimbus.network.drivers.linux.model import PortRec, SubnetRec
from tests.unit.network.conftest import Net

COVERS = [("network", "ports: mac_learning_enabled, set by the network's owner, filtered on"),
          ("network", "DNS integration: port dns_name (hostname or FQDN in the cloud's "
                      "domain, validated) and dns_assignment, network dns_domain, floating IP "
                      "dns_name/dns_domain, filters; the DHCP server's names")]


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_a_ports_name_is_its_addresses_hostname(net: Net) -> None:
    api = net.as_("member")
    network = net.network(dns_domain="example.org.")
    assert network["dns_domain"] == "example.org."
    net.subnet(network["id"], "10.9.0.0/24")
    port = net.port(network["id"], dns_name="Web-1")
    address = port["fixed_ips"][0]["ip_address"]
    assert port["dns_name"] == "web-1" and port["dns_domain"] == ""
    domained = api.put(f"/v2.0/ports/{port['id']}", json={"port": {
        "dns_domain": "example.net."}})
    assert domained.json()["port"]["dns_domain"] == "example.net."
    assert port["dns_assignment"] == [{"hostname": "web-1", "ip_address": address,
                                       "fqdn": "web-1.nimbus.internal."}]
    # Unnamed: the name is made from the address.
    plain = net.port(network["id"])
    made = plain["fixed_ips"][0]["ip_address"]
    assert plain["dns_name"] == ""
    assert plain["dns_assignment"][0]["hostname"] == "host-" + made.replace(".", "-")
    # A FQDN in the cloud's domain names the host; the listing filters on names.
    updated = api.put(f"/v2.0/ports/{plain['id']}", json={"port": {
        "dns_name": "db.nimbus.internal."}})
    assert updated.status_code == 200, updated.text
    assert updated.json()["port"]["dns_assignment"][0]["hostname"] == "db"
    found = api.get("/v2.0/ports", params={"dns_name": "web-1"}).json()["ports"]
    assert [p["id"] for p in found] == [port["id"]]
    shown = api.get("/v2.0/ports", params={"fields": "dns_assignment",
                                           "network_id": network["id"]}).json()["ports"]
    assert all(list(p) == ["dns_assignment"] for p in shown)


def test_bad_names_are_refused_naming_the_attribute(net: Net) -> None:
    api = net.as_("member")
    network = net.network()
    net.subnet(network["id"], "10.9.1.0/24")
    for name in ("-bad", "a" * 64, "web.example.org.", "two..dots", "under_score"):
        resp = api.post("/v2.0/ports", json={"port": {"network_id": network["id"],
                                                      "dns_name": name}})
        assert resp.status_code == 400, (name, resp.text)
        assert "dns_name" in fault(resp)["message"]
    for domain in ("example.org", "x" * 254 + "."):
        resp = api.post("/v2.0/networks", json={"network": {"dns_domain": domain}})
        assert resp.status_code == 400, (domain, resp.text)
        assert "dns_domain" in fault(resp)["message"]


def test_floating_ips_keep_their_dns_attributes(net: Net) -> None:
    public, _ = net.public()
    resp = net.as_("member").post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "dns_name": "www", "dns_domain": "example.org."}})
    assert resp.status_code == 201, resp.text
    fip = resp.json()["floatingip"]
    assert (fip["dns_name"], fip["dns_domain"]) == ("www", "example.org.")


def test_the_dhcp_server_answers_for_the_names() -> None:
    subnet = SubnetRec("s", "n", 4, "10.0.0.0/24", "10.0.0.1", True, (), ())
    server = PortRec("d", "p", "n", "fa:16:3e:00:00:02", "network:dhcp", "", "h", True,
                     "ACTIVE", "unbound", False, (), (), (), (("s", "10.0.0.2"),))
    guest = PortRec("g", "p", "n", "fa:16:3e:00:00:05", "compute:nova", "", "h", True,
                    "ACTIVE", "tap", True, (), (), (), (("s", "10.0.0.5"),),
                    hostnames=("web-1",))
    want = DhcpWant("n", 1450, server, (subnet,), (guest,))
    assert "fa:16:3e:00:00:05,web-1,10.0.0.5" in hosts_file(want)
    assert dns_file(want) == "10.0.0.5\tweb-1.nimbus.internal web-1\n"


def test_mac_learning_is_the_network_owners_to_set(net: Net) -> None:
    network = net.network(shared=True, persona="admin")
    net.subnet(network["id"], "10.9.2.0/24", "admin")
    port = net.port(network["id"])
    assert port["mac_learning_enabled"] is False
    # On the admin's shared network, the member is not the network's owner.
    refused = net.as_("member").put(f"/v2.0/ports/{port['id']}", json={"port": {
        "mac_learning_enabled": True}})
    assert refused.status_code == 403, refused.text
    mine = net.network()
    net.subnet(mine["id"], "10.9.3.0/24")
    learning = net.port(mine["id"], mac_learning_enabled=True)
    assert learning["mac_learning_enabled"] is True
    found = net.as_("member").get("/v2.0/ports", params={"mac_learning_enabled": "true"})
    assert [p["id"] for p in found.json()["ports"]] == [learning["id"]]
