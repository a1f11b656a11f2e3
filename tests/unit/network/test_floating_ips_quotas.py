"""Floating IPs, quotas and the first-start bootstrap."""

from __future__ import annotations

from typing import Any

from nimbus.core.platform import Facts
from tests.support.personas import ADMIN_PROJECT, PROJECT
from tests.unit.network.conftest import Net


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _wired(net: Net) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    public, _ = net.public()
    network = net.network()
    subnet = net.subnet(network["id"], "10.50.0.0/24")
    router = net.router(external_gateway_info={"network_id": public["id"]})
    net.api.as_("member").put(f"/v2.0/routers/{router['id']}/add_router_interface",
                              json={"subnet_id": subnet["id"]})
    return public, network, router


def test_floating_ip_lifecycle(net: Net) -> None:
    public, network, router = _wired(net)
    port = net.port(network["id"])
    api = net.api.as_("member")
    resp = api.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "port_id": port["id"]}})
    assert resp.status_code == 201, resp.text
    fip = resp.json()["floatingip"]
    assert fip["floating_ip_address"].startswith("172.24.4.")
    assert fip["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert fip["router_id"] == router["id"] and fip["port_id"] == port["id"]
    in_use = api.put(f"/v2.0/routers/{router['id']}", json={"router": {
        "external_gateway_info": {}}})
    assert in_use.status_code == 409
    dissociated = api.put(f"/v2.0/floatingips/{fip['id']}",
                          json={"floatingip": {"port_id": None}}).json()["floatingip"]
    assert dissociated["port_id"] is None and dissociated["router_id"] is None
    api.put(f"/v2.0/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}})
    assert api.delete(f"/v2.0/ports/{port['id']}").status_code == 204
    assert api.get(f"/v2.0/floatingips/{fip['id']}").json()["floatingip"]["port_id"] is None
    assert net.api.as_("other").get(f"/v2.0/floatingips/{fip['id']}").status_code == 404
    assert api.delete(f"/v2.0/floatingips/{fip['id']}").status_code == 204
    missing = api.get(f"/v2.0/floatingips/{fip['id']}")
    assert missing.status_code == 404 and fault(missing)["type"] == "FloatingIPNotFound"


def test_floating_ip_errors(net: Net) -> None:
    public, _ = net.public()
    network = net.network()
    net.subnet(network["id"], "10.60.0.0/24")
    port = net.port(network["id"])
    api = net.api.as_("member")
    private = api.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": network["id"]}})
    assert private.status_code == 400
    unreachable = api.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "port_id": port["id"]}})
    assert unreachable.status_code == 404
    assert fault(unreachable)["type"] == "ExternalGatewayForFloatingIPNotFound"
    chosen = api.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "floating_ip_address": "172.24.4.77"}})
    assert chosen.status_code == 403


def test_an_external_network_takes_its_unused_floating_ips_along(net: Net) -> None:
    public, network, router = _wired(net)
    admin, member = net.as_("admin"), net.as_("member")
    spare = admin.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"]}}).json()["floatingip"]
    port = net.port(network["id"])
    used = member.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"], "port_id": port["id"]}}).json()["floatingip"]
    # An associated floating IP (and a router's gateway) keeps its network in use, and the
    # unused one stays with it.
    busy = admin.delete(f"/v2.0/networks/{public['id']}")
    assert busy.status_code == 409 and fault(busy)["type"] == "NetworkInUse"
    assert admin.get(f"/v2.0/floatingips/{spare['id']}").status_code == 200
    assert member.delete(f"/v2.0/floatingips/{used['id']}").status_code == 204
    member.put(f"/v2.0/routers/{router['id']}", json={"router": {"external_gateway_info": {}}})
    assert admin.delete(f"/v2.0/networks/{public['id']}").status_code == 204
    assert admin.get(f"/v2.0/floatingips/{spare['id']}").status_code == 404
    assert admin.get(f"/v2.0/ports?network_id={public['id']}").json()["ports"] == []


def test_quotas(net: Net) -> None:
    shown = net.api.as_("member").get(f"/v2.0/quotas/{PROJECT}").json()["quota"]
    assert shown["network"] == 100 and shown["port"] == 500
    assert net.api.as_("member").get(f"/v2.0/quotas/{ADMIN_PROJECT}").status_code == 403
    resp = net.api.as_("admin").put(f"/v2.0/quotas/{PROJECT}", json={"quota": {"network": 1}})
    assert resp.status_code == 200 and resp.json()["quota"]["network"] == 1
    net.network()
    over = net.api.as_("member").post("/v2.0/networks", json={"network": {}})
    assert over.status_code == 409 and fault(over)["type"] == "OverQuota"
    details = net.api.as_("member").get(f"/v2.0/quotas/{PROJECT}/details").json()["quota"]
    assert details["network"] == {"limit": 1, "used": 1, "reserved": 0}
    assert net.api.as_("admin").delete(f"/v2.0/quotas/{PROJECT}").status_code == 204
    assert net.api.as_("member").get(f"/v2.0/quotas/{PROJECT}").json()["quota"]["network"] == 100


def test_tags(net: Net) -> None:
    network = net.network()
    api = net.api.as_("member")
    base = f"/v2.0/networks/{network['id']}/tags"
    assert api.put(f"{base}/red").status_code == 201
    assert api.put(base, json={"tags": ["a", "b"]}).json()["tags"] == ["a", "b"]
    assert api.get(f"{base}/a").status_code == 204
    assert api.get(f"{base}/red").status_code == 404
    assert [n["id"] for n in api.get("/v2.0/networks?tags=a,b").json()["networks"]] == [
        network["id"]]
    assert api.get("/v2.0/networks?not-tags-any=a").json()["networks"] == []
    assert api.delete(f"{base}/a").status_code == 204
    assert api.delete(base).status_code == 204
    assert api.get(base).json()["tags"] == []
    assert net.api.as_("other").get(base).status_code == 404


def test_bootstrap_is_idempotent(net: Net) -> None:
    from nimbus.network.manager.bootstrap import FirstStart

    state = net.cloud.runtimes["network"].state
    first_start = FirstStart(state.networks, state.subnets, state.ports, state.routers,
                             state.router_interfaces)
    facts = Facts(projects={"admin": ADMIN_PROJECT, "demo": PROJECT})
    first_start.run(Facts())  # no facts: nothing to do
    first_start.run(facts)
    first_start.run(facts)
    nets = net.api.as_("admin").get("/v2.0/networks").json()["networks"]
    assert sorted(n["name"] for n in nets) == ["private", "public"]
    public = next(n for n in nets if n["name"] == "public")
    assert public["router:external"] is True and public["shared"] is False
    subnets = {s["name"]: s for s in
               net.api.as_("admin").get("/v2.0/subnets").json()["subnets"]}
    assert subnets["public-subnet"]["gateway_ip"] == "172.24.4.1"
    assert subnets["public-subnet"]["enable_dhcp"] is False
    assert subnets["private-subnet"]["cidr"] == "10.0.0.0/26"
    routers = net.api.as_("member").get("/v2.0/routers").json()["routers"]
    assert [r["name"] for r in routers] == ["router1"]
    assert routers[0]["external_gateway_info"]["network_id"] == public["id"]
    ports = net.api.as_("member").get(
        f"/v2.0/ports?device_id={routers[0]['id']}").json()["ports"]
    assert [p["fixed_ips"][0]["ip_address"] for p in ports] == ["10.0.0.1"]
