"""Routers: gateways on external networks, interfaces, and what blocks deletes."""

from __future__ import annotations

from typing import Any

from tests.unit.network.conftest import Net


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_tempest_isolated_network_flow(net: Net) -> None:
    """What tempest does for every test class, in a fresh project, and its cleanup."""
    public, public_subnet = net.public()
    api = net.api.as_("other")
    network = api.post("/v2.0/networks", json={"network": {"name": "t-net"}}).json()["network"]
    subnet = api.post("/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.100.0.0/28", "ip_version": 4}}).json()["subnet"]
    resp = api.post("/v2.0/routers", json={"router": {
        "name": "t-router", "external_gateway_info": {"network_id": public["id"]}}})
    assert resp.status_code == 201, resp.text
    router = resp.json()["router"]
    gw = router["external_gateway_info"]
    assert gw["network_id"] == public["id"] and gw["enable_snat"] is True
    assert gw["external_fixed_ips"][0]["subnet_id"] == public_subnet["id"]
    resp = api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                   json={"subnet_id": subnet["id"]})
    assert resp.status_code == 200, resp.text
    iface = resp.json()
    assert iface["subnet_id"] == subnet["id"] and iface["id"] == router["id"]
    port = api.get(f"/v2.0/ports/{iface['port_id']}").json()["port"]
    assert port["device_owner"] == "network:router_interface"
    assert port["fixed_ips"][0]["ip_address"] == "10.100.0.1"
    by_router = api.get(f"/v2.0/ports?device_id={router['id']}").json()["ports"]
    assert [p["id"] for p in by_router] == [port["id"]]
    # the cleanup, in tempest's order
    assert api.put(f"/v2.0/routers/{router['id']}/remove_router_interface",
                   json={"subnet_id": subnet["id"]}).status_code == 200
    assert api.delete(f"/v2.0/routers/{router['id']}").status_code == 204
    assert api.delete(f"/v2.0/subnets/{subnet['id']}").status_code == 204
    assert api.delete(f"/v2.0/networks/{network['id']}").status_code == 204
    groups = net.api.as_("admin").get(
        "/v2.0/security-groups?name=default&project_id=c0000000000000000000000000000000"
    ).json()["security_groups"]
    assert len(groups) == 1
    assert net.api.as_("admin").delete(
        f"/v2.0/security-groups/{groups[0]['id']}").status_code == 204
    leftovers = net.api.as_("admin").get(f"/v2.0/ports?network_id={public['id']}").json()
    assert leftovers["ports"] == []


def test_router_in_use_and_protected_ports(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"])
    router = net.router()
    api = net.api.as_("member")
    iface = api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                    json={"subnet_id": subnet["id"]}).json()
    in_use = api.delete(f"/v2.0/routers/{router['id']}")
    assert in_use.status_code == 409 and fault(in_use)["type"] == "RouterInUse"
    direct = api.delete(f"/v2.0/ports/{iface['port_id']}")
    assert direct.status_code == 409 and fault(direct)["type"] == "L3PortInUse"
    assert api.delete(f"/v2.0/subnets/{subnet['id']}").status_code == 409
    assert api.delete(f"/v2.0/networks/{network['id']}").status_code == 409
    again = api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                    json={"subnet_id": subnet["id"]})
    assert again.status_code in (400, 409)


def test_interface_by_port_and_overlap(net: Net) -> None:
    api = net.api.as_("member")
    router = net.router()
    net_a, net_b = net.network(), net.network()
    sub_a = net.subnet(net_a["id"], "10.100.0.0/28")
    sub_b = net.subnet(net_b["id"], "10.100.0.0/28")
    port = net.port(net_a["id"])
    resp = api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                   json={"port_id": port["id"]})
    assert resp.status_code == 200 and resp.json()["subnet_id"] == sub_a["id"]
    shown = api.get(f"/v2.0/ports/{port['id']}").json()["port"]
    assert shown["device_owner"] == "network:router_interface"
    assert shown["device_id"] == router["id"]
    overlap = api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                      json={"subnet_id": sub_b["id"]})
    assert overlap.status_code == 400 and fault(overlap)["type"] == "BadRequest"
    both = api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                   json={"subnet_id": sub_b["id"], "port_id": port["id"]})
    assert both.status_code == 400
    removed = api.put(f"/v2.0/routers/{router['id']}/remove_router_interface",
                      json={"port_id": port["id"]})
    assert removed.status_code == 200
    assert api.get(f"/v2.0/ports/{port['id']}").status_code == 404
    missing = api.put(f"/v2.0/routers/{router['id']}/remove_router_interface",
                      json={"subnet_id": sub_a["id"]})
    assert missing.status_code == 404


def test_gateway_errors_and_updates(net: Net) -> None:
    public, _ = net.public()
    private = net.network()
    api = net.api.as_("member")
    router = net.router()
    not_ext = api.put(f"/v2.0/routers/{router['id']}", json={"router": {
        "external_gateway_info": {"network_id": private["id"]}}})
    assert not_ext.status_code == 400
    unknown = api.put(f"/v2.0/routers/{router['id']}", json={"router": {
        "external_gateway_info": {"network_id": "00000000-0000-0000-0000-000000000009"}}})
    assert unknown.status_code == 404 and fault(unknown)["type"] == "NetworkNotFound"
    snat = api.put(f"/v2.0/routers/{router['id']}", json={"router": {
        "external_gateway_info": {"network_id": public["id"], "enable_snat": False}}})
    assert snat.status_code == 403
    admin_snat = net.api.as_("admin").put(f"/v2.0/routers/{router['id']}", json={"router": {
        "external_gateway_info": {"network_id": public["id"], "enable_snat": False}}})
    assert admin_snat.json()["router"]["external_gateway_info"]["enable_snat"] is False
    cleared = api.put(f"/v2.0/routers/{router['id']}",
                      json={"router": {"external_gateway_info": {}}})
    assert cleared.json()["router"]["external_gateway_info"] is None
    state = api.put(f"/v2.0/routers/{router['id']}", json={"router": {"admin_state_up": False}})
    assert state.json()["router"]["admin_state_up"] is False


def test_extra_routes(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.30.0.0/24")
    router = net.router()
    api = net.api.as_("member")
    routes = [{"destination": "10.40.0.0/24", "nexthop": "10.30.0.5"}]
    unreachable = api.put(f"/v2.0/routers/{router['id']}", json={"router": {"routes": routes}})
    assert unreachable.status_code == 400
    api.put(f"/v2.0/routers/{router['id']}/add_router_interface",
            json={"subnet_id": subnet["id"]})
    resp = api.put(f"/v2.0/routers/{router['id']}", json={"router": {"routes": routes}})
    assert resp.status_code == 200 and resp.json()["router"]["routes"] == routes
    cleared = api.put(f"/v2.0/routers/{router['id']}", json={"router": {"routes": None}})
    assert cleared.json()["router"]["routes"] == []
    # extraroute-atomic: add and remove without reading and writing the whole list.
    more = [{"destination": "10.41.0.0/24", "nexthop": "10.30.0.6"}]
    base = f"/v2.0/routers/{router['id']}"
    api.put(f"{base}/add_extraroutes", json={"router": {"routes": routes}})
    added = api.put(f"{base}/add_extraroutes", json={"router": {"routes": routes + more}})
    assert added.status_code == 200 and added.json()["router"]["routes"] == routes + more
    far = [{"destination": "10.42.0.0/24", "nexthop": "10.99.0.1"}]
    assert api.put(f"{base}/add_extraroutes", json={"router": {"routes": far}}
                   ).status_code == 400
    left = api.put(f"{base}/remove_extraroutes", json={"router": {"routes": routes}})
    assert left.json()["router"]["routes"] == more
    assert net.as_("other").put(f"{base}/remove_extraroutes", json={"router": {
        "routes": more}}).status_code == 404
    assert net.as_("reader").put(f"{base}/remove_extraroutes", json={"router": {
        "routes": more}}).status_code == 403


def test_router_protection(net: Net) -> None:
    router = net.router()
    missing = "00000000-0000-0000-0000-000000000004"
    for persona, status in (("other", 404), ("reader", 200), ("admin", 200)):
        assert net.api.as_(persona).get(f"/v2.0/routers/{router['id']}").status_code == status
    assert net.api.as_("other").delete(f"/v2.0/routers/{router['id']}").status_code == 404
    assert net.api.as_("reader").delete(f"/v2.0/routers/{router['id']}").status_code == 403
    assert net.api.as_("reader").post("/v2.0/routers",
                                      json={"router": {"name": "x"}}).status_code == 403
    for call in (net.api.as_("member").get, net.api.as_("member").delete):
        resp = call(f"/v2.0/routers/{missing}")
        assert resp.status_code == 404 and fault(resp)["type"] == "RouterNotFound"
    resp = net.api.as_("member").put(f"/v2.0/routers/{missing}", json={"router": {"name": "x"}})
    assert resp.status_code == 404


def test_distributed_and_ha_are_an_admins_to_set_and_see(net: Net) -> None:
    admin, member = net.as_("admin"), net.as_("member")
    assert member.post("/v2.0/routers", json={"router": {
        "name": "r", "distributed": True}}).status_code == 403
    made = admin.post("/v2.0/routers", json={"router": {
        "name": "r", "distributed": True, "ha": False}})
    assert made.status_code == 201, made.text
    router = made.json()["router"]
    assert router["distributed"] is True and router["ha"] is False
    # Neutron moves a router between kinds only while it is down.
    up = admin.put(f"/v2.0/routers/{router['id']}", json={"router": {"ha": True}})
    assert up.status_code == 400 and "admin_state_up to False" in fault(up)["message"]
    admin.put(f"/v2.0/routers/{router['id']}", json={"router": {"admin_state_up": False}})
    moved = admin.put(f"/v2.0/routers/{router['id']}", json={"router": {
        "ha": True, "distributed": False}}).json()["router"]
    assert moved["ha"] is True and moved["distributed"] is False
    own = net.router()
    assert "distributed" not in member.get(f"/v2.0/routers/{own['id']}").json()["router"]
    assert "ha" not in member.get("/v2.0/routers").json()["routers"][0]
    assert admin.get(f"/v2.0/routers/{own['id']}").json()["router"]["distributed"] is False


def test_service_providers_are_listed(net: Net) -> None:
    listed = net.as_("reader").get("/v2.0/service-providers")
    assert listed.status_code == 200
    types = {p["service_type"] for p in listed.json()["service_providers"]}
    assert "L3_ROUTER_NAT" in types
    only = net.as_("member").get("/v2.0/service-providers?service_type=QOS&fields=name")
    assert only.json()["service_providers"] == [{"name": "nimbus"}]
