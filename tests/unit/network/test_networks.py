"""Networks and subnets through the API: shapes, IPAM validation, visibility, deletes."""

from __future__ import annotations

from typing import Any

from tests.support.personas import PROJECT
from tests.unit.network.conftest import Net


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_discovery(net: Net) -> None:
    resp = net.api.as_(None).get("/")
    assert resp.status_code == 200
    version = resp.json()["versions"][0]
    assert version["id"] == "v2.0" and version["status"] == "CURRENT"
    assert version["links"][0]["href"].endswith("/network/v2.0/")
    resources = net.api.as_(None).get("/v2.0/").json()["resources"]
    assert {"network", "subnet", "port", "router"} <= {r["name"] for r in resources}
    exts = net.api.get("/v2.0/extensions").json()["extensions"]
    aliases = {e["alias"] for e in exts}
    assert {"router", "external-net", "security-group", "binding", "quotas"} <= aliases
    # The fake driver has no agents to list or schedule to.
    assert not aliases & {"agent", "l3_agent_scheduler", "dhcp_agent_scheduler"}
    assert net.api.get("/v2.0/extensions/router").json()["extension"]["alias"] == "router"
    missing = net.api.get("/v2.0/extensions/nope")
    assert missing.status_code == 404 and fault(missing)["type"] == "ExtensionNotFound"


def test_network_create_shape(net: Net) -> None:
    created = net.network(name="n1")
    for key in ("id", "name", "admin_state_up", "status", "subnets", "shared", "router:external",
                "mtu", "project_id", "tenant_id", "availability_zones", "revision_number",
                "created_at", "updated_at", "tags", "description", "port_security_enabled"):
        assert key in created, key
    assert created["status"] == "ACTIVE" and created["project_id"] == PROJECT
    assert created["tenant_id"] == PROJECT and created["subnets"] == []
    assert "provider:network_type" not in created  # admin-only attribute
    shown = net.api.as_("admin").get(f"/v2.0/networks/{created['id']}").json()["network"]
    assert shown["provider:network_type"] == "vxlan"


def test_network_update_delete(net: Net) -> None:
    created = net.network()
    resp = net.api.as_("member").put(f"/v2.0/networks/{created['id']}",
                                     json={"network": {"name": "renamed"}})
    assert resp.status_code == 200
    body = resp.json()["network"]
    assert body["name"] == "renamed" and body["revision_number"] > created["revision_number"]
    assert net.api.as_("member").delete(f"/v2.0/networks/{created['id']}").status_code == 204
    gone = net.api.as_("member").get(f"/v2.0/networks/{created['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "NetworkNotFound"


def test_network_fields_filters_sort_pagination(net: Net) -> None:
    ids = [net.network(name=f"n{i}")["id"] for i in range(5)]
    api = net.api.as_("member")
    body = api.get("/v2.0/networks?fields=id&fields=name").json()
    assert all(set(n) == {"id", "name"} for n in body["networks"])
    assert [n["id"] for n in api.get("/v2.0/networks?name=n3").json()["networks"]] == [ids[3]]
    assert len(api.get("/v2.0/networks?name=n1&name=n2").json()["networks"]) == 2
    assert len(api.get("/v2.0/networks?shared=false").json()["networks"]) == 5
    desc = api.get("/v2.0/networks?sort_key=name&sort_dir=desc").json()["networks"]
    assert [n["name"] for n in desc] == ["n4", "n3", "n2", "n1", "n0"]
    page = api.get("/v2.0/networks?limit=2&sort_key=name&sort_dir=asc").json()
    assert [n["name"] for n in page["networks"]] == ["n0", "n1"]
    nxt = [link for link in page["networks_links"] if link["rel"] == "next"][0]["href"]
    page2 = api.get(nxt.split("/network", 1)[1]).json()
    assert [n["name"] for n in page2["networks"]] == ["n2", "n3"]
    assert any(link["rel"] == "previous" for link in page2["networks_links"])
    bad = api.get("/v2.0/networks?sort_key=name&sort_dir=sideways")
    assert bad.status_code == 400


def test_visibility_other_project(net: Net) -> None:
    private = net.network("member")
    assert net.api.as_("other").get(f"/v2.0/networks/{private['id']}").status_code == 404
    assert private["id"] not in [n["id"] for n in
                                 net.api.as_("other").get("/v2.0/networks").json()["networks"]]
    shared = net.network("admin", shared=True)
    assert net.api.as_("other").get(f"/v2.0/networks/{shared['id']}").status_code == 200
    public, public_subnet = net.public()
    assert net.api.as_("other").get(f"/v2.0/networks/{public['id']}").status_code == 200
    other_subnets = net.api.as_("other").get("/v2.0/subnets").json()["subnets"]
    assert public_subnet["id"] not in [s["id"] for s in other_subnets]
    resp = net.api.as_("other").put(f"/v2.0/networks/{private['id']}",
                                    json={"network": {"name": "x"}})
    assert resp.status_code == 404
    assert net.api.as_("other").delete(f"/v2.0/networks/{private['id']}").status_code == 404


def test_reader_and_admin_only_attrs(net: Net) -> None:
    resp = net.api.as_("reader").post("/v2.0/networks", json={"network": {"name": "x"}})
    assert resp.status_code == 403 and fault(resp)["type"] == "PolicyNotAuthorized"
    created = net.network()
    assert net.api.as_("reader").get(f"/v2.0/networks/{created['id']}").status_code == 200
    resp = net.api.as_("reader").delete(f"/v2.0/networks/{created['id']}")
    assert resp.status_code == 403
    resp = net.api.as_("member").post("/v2.0/networks",
                                      json={"network": {"router:external": True}})
    assert resp.status_code == 403
    resp = net.api.as_("member").post("/v2.0/networks", json={"network": {"shared": True}})
    assert resp.status_code == 403


def test_bad_input(net: Net) -> None:
    api = net.api.as_("member")
    resp = api.post("/v2.0/networks", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and "NeutronError" in resp.json()
    resp = api.post("/v2.0/networks", json={"netwrk": {}})
    assert resp.status_code == 400
    resp = api.post("/v2.0/networks", json={"network": {"bogus": 1}})
    assert resp.status_code == 400 and "bogus" in fault(resp)["message"]
    resp = api.post("/v2.0/networks", json={"network": {"admin_state_up": "maybe"}})
    assert resp.status_code == 400 and "admin_state_up" in fault(resp)["message"]
    resp = api.get("/v2.0/networks/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 404 and fault(resp)["type"] == "NetworkNotFound"


def test_bulk_networks(net: Net) -> None:
    resp = net.api.as_("member").post("/v2.0/networks",
                                      json={"networks": [{"name": "a"}, {"name": "b"}]})
    assert resp.status_code == 201
    assert [n["name"] for n in resp.json()["networks"]] == ["a", "b"]


def test_subnet_defaults(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.100.0.0/28")
    assert subnet["gateway_ip"] == "10.100.0.1"
    assert subnet["allocation_pools"] == [{"start": "10.100.0.2", "end": "10.100.0.14"}]
    assert subnet["enable_dhcp"] is True and subnet["ip_version"] == 4
    assert subnet["dns_nameservers"] == [] and subnet["host_routes"] == []
    shown = net.api.as_("member").get(f"/v2.0/networks/{network['id']}").json()["network"]
    assert shown["subnets"] == [subnet["id"]]


def test_subnet_without_gateway_and_custom_pools(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.2.0.0/24", gateway_ip=None)
    assert subnet["gateway_ip"] is None
    assert subnet["allocation_pools"] == [{"start": "10.2.0.1", "end": "10.2.0.254"}]
    pools = [{"start": "10.3.0.10", "end": "10.3.0.20"}]
    other = net.subnet(network["id"], "10.3.0.0/24", allocation_pools=pools,
                       gateway_ip="10.3.0.254", dns_nameservers=["8.8.8.8"],
                       host_routes=[{"destination": "10.9.0.0/24", "nexthop": "10.3.0.5"}])
    assert other["allocation_pools"] == pools and other["gateway_ip"] == "10.3.0.254"
    assert other["dns_nameservers"] == ["8.8.8.8"]


def test_subnet_gateway_mid_range_splits_pool(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.4.0.0/29", gateway_ip="10.4.0.3")
    assert subnet["allocation_pools"] == [{"start": "10.4.0.1", "end": "10.4.0.2"},
                                          {"start": "10.4.0.4", "end": "10.4.0.6"}]


def test_subnet_validation(net: Net) -> None:
    network = net.network()
    api = net.api.as_("member")

    def create(**body: Any) -> Any:
        return api.post("/v2.0/subnets", json={"subnet": {"network_id": network["id"],
                                                          "ip_version": 4, **body}})

    bad_cidr = create(cidr="10.0.0.0/33")
    assert bad_cidr.status_code == 400 and "cidr" in fault(bad_cidr)["message"]
    assert create(cidr="10.0.0.5/24").status_code == 400
    assert create(cidr="fd00::/64").status_code == 400  # version mismatch
    outside = create(cidr="10.5.0.0/24", allocation_pools=[{"start": "10.6.0.2",
                                                            "end": "10.6.0.9"}])
    assert outside.status_code == 400
    gw_in_pool = create(cidr="10.5.0.0/24", gateway_ip="10.5.0.5",
                        allocation_pools=[{"start": "10.5.0.2", "end": "10.5.0.9"}])
    assert gw_in_pool.status_code == 400
    assert create(cidr="10.5.0.0/24").status_code == 201
    overlap = create(cidr="10.5.0.128/25")
    assert overlap.status_code == 400
    assert "overlaps with another subnet" in fault(overlap)["message"]
    assert fault(overlap)["type"] == "InvalidInput"
    missing = api.post("/v2.0/subnets", json={"subnet": {"cidr": "10.8.0.0/24",
                                                         "ip_version": 4}})
    assert missing.status_code == 400 and "network_id" in fault(missing)["message"]
    unknown = api.post("/v2.0/subnets", json={"subnet": {
        "network_id": "00000000-0000-0000-0000-000000000001", "cidr": "10.8.0.0/24",
        "ip_version": 4}})
    assert unknown.status_code == 404 and fault(unknown)["type"] == "NetworkNotFound"


def test_ipv6_subnets(net: Net) -> None:
    network = net.network()
    slaac = net.subnet(network["id"], "2001:db8::/64", ipv6_ra_mode="slaac",
                       ipv6_address_mode="slaac")
    assert slaac["ipv6_ra_mode"] == "slaac" and slaac["gateway_ip"] == "2001:db8::1"
    api = net.api.as_("member")
    mismatch = api.post("/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "2001:db9::/64", "ip_version": 6,
        "ipv6_ra_mode": "slaac", "ipv6_address_mode": "dhcpv6-stateful"}})
    assert mismatch.status_code == 400
    on_v4 = api.post("/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.9.0.0/24", "ip_version": 4,
        "ipv6_ra_mode": "slaac"}})
    assert on_v4.status_code == 400
    port = net.port(network["id"])
    assert port["fixed_ips"][0]["subnet_id"] == slaac["id"]
    assert port["fixed_ips"][0]["ip_address"].startswith("2001:db8::f816:3eff:fe")


def test_subnet_update(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.6.0.0/24")
    resp = net.api.as_("member").put(f"/v2.0/subnets/{subnet['id']}", json={"subnet": {
        "gateway_ip": "10.6.0.254", "dns_nameservers": ["1.1.1.1"], "enable_dhcp": False,
        "host_routes": [{"destination": "10.20.0.0/16", "nexthop": "10.6.0.3"}],
        "allocation_pools": [{"start": "10.6.0.2", "end": "10.6.0.200"}]}})
    assert resp.status_code == 200, resp.text
    body = resp.json()["subnet"]
    assert body["gateway_ip"] == "10.6.0.254" and body["enable_dhcp"] is False
    readonly = net.api.as_("member").put(f"/v2.0/subnets/{subnet['id']}",
                                         json={"subnet": {"cidr": "10.7.0.0/24"}})
    assert readonly.status_code == 400


def test_delete_network_with_subnet_and_in_use(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"])
    port = net.port(network["id"])
    api = net.api.as_("member")
    in_use = api.delete(f"/v2.0/subnets/{subnet['id']}")
    assert in_use.status_code == 409 and fault(in_use)["type"] == "SubnetInUse"
    net_in_use = api.delete(f"/v2.0/networks/{network['id']}")
    assert net_in_use.status_code == 409 and fault(net_in_use)["type"] == "NetworkInUse"
    assert api.delete(f"/v2.0/ports/{port['id']}").status_code == 204
    assert api.delete(f"/v2.0/networks/{network['id']}").status_code == 204
    assert api.get(f"/v2.0/subnets/{subnet['id']}").status_code == 404
