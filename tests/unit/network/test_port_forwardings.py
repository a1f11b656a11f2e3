"""Floating IP port forwardings: one floating address, several guests behind it by port."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.network.drivers.linux.model import ForwardRec
from nimbus.network.drivers.linux.routers import LegAddress, RouterWant, nat_rules
from tests.unit.network.conftest import Net

COVERS = [("network", "floating IP port forwardings: create (port or range), list, show, "
                      "update, delete; the floating IP then goes through the router, cannot "
                      "be associated, and loses them with the port; overlaps refused; "
                      "protection; DNAT rules in the router")]


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _setup(net: Net) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A routed network with two ports, and a floating IP of the member's."""
    public, _ = net.public()
    network = net.network()
    subnet = net.subnet(network["id"], "10.80.0.0/24")
    router = net.router(external_gateway_info={"network_id": public["id"]})
    net.as_("member").put(f"/v2.0/routers/{router['id']}/add_router_interface",
                          json={"subnet_id": subnet["id"]})
    fip = net.as_("member").post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": public["id"]}}).json()["floatingip"]
    return fip, router, net.port(network["id"]), net.port(network["id"])


def _forward(port: dict[str, Any], external: int | str, internal: int | str,
             protocol: str = "tcp") -> dict[str, Any]:
    ext = "external_port" if isinstance(external, int) else "external_port_range"
    inner = "internal_port" if isinstance(internal, int) else "internal_port_range"
    return {"port_forwarding": {"protocol": protocol, ext: external, inner: internal,
                                "internal_port_id": port["id"],
                                "internal_ip_address": port["fixed_ips"][0]["ip_address"]}}


def test_forwardings_share_a_floating_ip(net: Net) -> None:
    fip, router, web, db = _setup(net)
    api = net.as_("member")
    base = f"/v2.0/floatingips/{fip['id']}/port_forwardings"
    made = api.post(base, json=_forward(web, 2222, 22))
    assert made.status_code == 201, made.text
    ssh = made.json()["port_forwarding"]
    assert ssh["external_port"] == 2222 and ssh["internal_port"] == 22
    assert ssh["external_port_range"] == "2222:2222" and ssh["protocol"] == "tcp"
    shown = api.get(f"/v2.0/floatingips/{fip['id']}").json()["floatingip"]
    assert shown["router_id"] == router["id"] and shown["port_id"] is None
    ranged = api.post(base, json=_forward(db, "5000:5009", "6000:6009"))
    assert ranged.status_code == 201, ranged.text
    assert ranged.json()["port_forwarding"]["external_port"] is None
    assert api.post(base, json=_forward(db, 2222, 22, "udp")).status_code == 201
    # The same external port of one protocol twice, or one internal port twice: refused.
    for clash in (_forward(db, 2222, 23), _forward(db, "5005:5006", "7000:7001"),
                  _forward(web, 2300, 22)):
        resp = api.post(base, json=clash)
        assert resp.status_code == 400, clash
    listed = api.get(f"{base}?protocol=tcp").json()["port_forwardings"]
    assert len(listed) == 2
    updated = api.put(f"{base}/{ssh['id']}", json={"port_forwarding": {
        "external_port": 2200, "description": "ssh"}}).json()["port_forwarding"]
    assert updated["external_port"] == 2200 and updated["description"] == "ssh"
    assert api.get(f"{base}/{ssh['id']}").json()["port_forwarding"]["external_port"] == 2200
    # A floating IP that forwards ports is associated with no port.
    busy = api.put(f"/v2.0/floatingips/{fip['id']}", json={"floatingip": {
        "port_id": web["id"]}})
    assert busy.status_code == 409 and fault(busy)["type"] == "FipInUseByPortForwarding"
    # A port's forwardings go with it; the last one frees the floating IP from the router.
    assert api.delete(f"/v2.0/ports/{db['id']}").status_code == 204
    assert [p["id"] for p in api.get(base).json()["port_forwardings"]] == [ssh["id"]]
    assert api.delete(f"{base}/{ssh['id']}").status_code == 204
    gone = api.get(f"{base}/{ssh['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "PortForwardingNotFound"
    assert api.get(f"/v2.0/floatingips/{fip['id']}").json()["floatingip"]["router_id"] is None


def test_forwarding_errors(net: Net) -> None:
    fip, _, web, _ = _setup(net)
    api = net.as_("member")
    base = f"/v2.0/floatingips/{fip['id']}/port_forwardings"
    wrong_ip = _forward(web, 80, 80)
    wrong_ip["port_forwarding"]["internal_ip_address"] = "10.80.0.250"
    assert api.post(base, json=wrong_ip).status_code == 400
    both = _forward(web, 80, 80)
    both["port_forwarding"]["external_port_range"] = "80:81"
    assert api.post(base, json=both).status_code == 400
    assert api.post(base, json=_forward(web, 70000, 80)).status_code == 400
    assert api.post(base, json=_forward(web, "90:80", 80)).status_code == 400
    assert api.post(base, json=_forward(web, "80:82", "90:91")).status_code == 400
    assert api.post(base, json=_forward(web, 80, 80, "icmp")).status_code == 400
    unrouted = net.network()
    net.subnet(unrouted["id"], "10.81.0.0/24")
    lonely = net.port(unrouted["id"])
    resp = api.post(base, json=_forward(lonely, 80, 80))
    assert resp.status_code == 404
    assert fault(resp)["type"] == "ExternalGatewayForFloatingIPNotFound"
    missing = api.post("/v2.0/floatingips/00000000-0000-0000-0000-000000000009/"
                       "port_forwardings", json=_forward(web, 80, 80))
    assert missing.status_code == 404


@pytest.mark.parametrize("persona", ["reader", "other"])
def test_forwarding_protection(net: Net, persona: str) -> None:
    fip, _, web, _ = _setup(net)
    base = f"/v2.0/floatingips/{fip['id']}/port_forwardings"
    made = net.as_("member").post(base, json=_forward(web, 2222, 22)).json()["port_forwarding"]
    api = net.as_(persona)
    expect = 403 if persona == "reader" else 404
    seen = api.get(f"{base}/{made['id']}").status_code
    assert seen == (200 if persona == "reader" else 404)
    assert api.get(base).status_code == (200 if persona == "reader" else 404)
    assert api.post(base, json=_forward(web, 2223, 23)).status_code == expect
    assert api.put(f"{base}/{made['id']}", json={"port_forwarding": {
        "description": "x"}}).status_code == expect
    assert api.delete(f"{base}/{made['id']}").status_code == expect


def test_forwardings_are_dnat_rules_of_the_router() -> None:
    gateway = LegAddress("gw-port-0000-0000", "fa:16:3e:00:00:10", ("172.24.4.10/24",))
    forwards = (ForwardRec("172.24.4.20", "r", "tcp", (2222, 2222), "10.0.0.5", (22, 22)),
                ForwardRec("172.24.4.20", "r", "udp", (5000, 5001), "10.0.0.6", (6000, 6001)),
                ForwardRec("172.24.4.20", "r", "tcp", (7000, 7009), "10.0.0.6", (7000, 7009)))
    rules = nat_rules(RouterWant("r", True, (), gateway, None, (), (), (), (), forwards))
    assert "ip daddr 172.24.4.20 tcp dport 2222 dnat to 10.0.0.5:22" in rules
    assert "ip daddr 172.24.4.20 udp dport 5000-5001 dnat to 10.0.0.6 : udp dport map " \
           "{ 5000 : 6000, 5001 : 6001 }" in rules
    assert "ip daddr 172.24.4.20 tcp dport 7000-7009 dnat to 10.0.0.6\n" in rules
