"""Several hosts on one machine: what each host's agent plans (its own ports' taps, DHCP and
routers only on the network node, VXLAN for its networks), the fabric's VXLAN devices, and the
port bindings a live migration goes through (``binding-extended``)."""

from __future__ import annotations

from typing import Any

from nimbus.network.agent.topology import vni
from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.dhcp import Dhcp, opts_file
from nimbus.network.drivers.linux.fabric import Fabric, FabricWant, TapWant
from nimbus.network.drivers.linux.plan import Role, plan
from tests.unit.network.conftest import Net
from tests.unit.network.test_linux_plan import (
    NET,
    SUBNET,
    RecordingFilters,
    RecordingIp,
    RecordingShaper,
    _port,
    _topology,
)

COVERS = [("network", "linux driver, several hosts: each host plugs its own ports (and those "
                      "bound to it for a live migration), only the network node serves DHCP "
                      "and routers, and every bridge gets the network's VXLAN device"),
          ("network", "linux driver: a network no router serves has 169.254.169.254 in its "
                      "DHCP namespace, and DHCP gives its guests the route there"),
          ("network", "linux driver: a router its agent cannot realise is ERROR until it can"),
          ("network", "binding-extended: create, list, show, activate and delete a port's "
                      "bindings; faults for a second binding, an active one and a missing one; "
                      "admin only")]

NS = names.Namespaces("nimbus-test1234", per_host=True)


def test_each_host_plugs_its_own_ports_and_only_the_network_node_serves_dhcp() -> None:
    here = _port("p-here-0000-0000", host="vm-1", ip="10.0.0.5")
    there = _port("p-there-000-0000", host="vm-2", ip="10.0.0.6", mac="fa:16:3e:00:00:02")
    coming = _port("p-coming-00-0000", host="vm-1", ip="10.0.0.7", mac="fa:16:3e:00:00:03",
                   also_on=("vm-2",))
    top = _topology(here, there, coming)
    first = plan(top, NS, Role("vm-1", network_node=True, tunnels=True))
    second = plan(top, NS, Role("vm-2", network_node=False, tunnels=True))
    assert set(first.fabric.taps) == {here.id, coming.id}
    assert set(second.fabric.taps) == {there.id, coming.id}
    # The guest about to arrive is wired where it runs, not where it is going.
    assert set(first.to_wire) == {here.id, coming.id} and second.to_wire == [there.id]
    # DHCP for the network, though two of its guests are elsewhere, only on the network node;
    # the second host has nothing but its bridge, its VXLAN and its taps.
    assert first.dhcp_ports_missing == [NET] and second.dhcp_ports_missing == []
    assert second.dhcp == {} and second.l3.routers == {}
    assert second.fabric.tunnels == {NET: top.networks[NET].vni}
    assert NS.fabric_of("vm-1") != NS.fabric_of("vm-2") != NS.fabric
    # One host alone plugs everything, and has no tunnels.
    alone = plan(top, names.Namespaces("nimbus-test1234"))
    assert set(alone.fabric.taps) == {here.id, there.id, coming.id}
    assert alone.fabric.tunnels == {}


def test_networks_cross_hosts_on_their_own_vni() -> None:
    assert vni("a", "vxlan", 17) == 17
    flat, other = vni("net-a", "flat", None), vni("net-b", "flat", None)
    assert flat != other and min(flat, other) >= 1 << 23 and max(flat, other) < 1 << 24
    bridge, vx = names.bridge(NET), names.vxlan(NET)
    ip = RecordingIp({})
    Fabric(ip, NS.fabric_of("vm-1"), RecordingFilters(), RecordingShaper()).converge(FabricWant(
        bridges={NET: 1450}, taps={"p-here-0000-0000": TapWant(NET, True)},
        tunnels={NET: 17}))
    assert (f"link add {vx} type vxlan id 17 group 239.1.1.1 dev ul0 dstport 4789 ttl 1"
            in ip.ran)
    assert f"link set {vx} master {bridge}" in ip.ran
    # A device of another VNI is made again; one nothing wants goes.
    have = {bridge: {"mtu": 1450, "flags": ["UP"]},
            vx: {"mtu": 1450, "flags": ["UP"], "master": bridge,
                 "linkinfo": {"info_kind": "vxlan", "info_data": {"id": 99}}},
            "vx-gone000000": {"mtu": 1450, "flags": ["UP"]}}
    ip = RecordingIp(have)
    fabric = Fabric(ip, NS.fabric_of("vm-1"), RecordingFilters(), RecordingShaper())
    fabric.converge(FabricWant(bridges={NET: 1450}, tunnels={NET: 17}))
    # A deleted network's device goes first: the VNI it held may be a new network's now.
    assert ip.ran[0] == "link del vx-gone000000"
    assert ip.ran.index(f"link del {vx}") < next(
        i for i, line in enumerate(ip.ran) if line.startswith(f"link add {vx}"))


def _fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def test_a_port_is_bound_to_a_destination_then_moves_there(net: Net) -> None:
    network = net.network()
    net.subnet(network["id"])
    admin = net.as_("admin")
    port = net.port(network["id"])
    resp = admin.put(f"/v2.0/ports/{port['id']}", json={"port": {"binding:host_id": "src"}})
    assert resp.status_code == 200, resp.text
    url = f"/v2.0/ports/{port['id']}/bindings"
    made = admin.post(url, json={"binding": {"host": "dst"}})
    assert made.status_code == 201, made.text
    assert made.json()["binding"]["status"] == "INACTIVE"
    again = admin.post(url, json={"binding": {"host": "dst"}})
    assert again.status_code == 409 and _fault(again) == "PortBindingAlreadyExists"
    listed = admin.get(url).json()["bindings"]
    assert sorted((b["host"], b["status"]) for b in listed) == [("dst", "INACTIVE"),
                                                                ("src", "ACTIVE")]
    # Members see none of it: bindings are for admins and services.
    assert net.as_("member").get(url).status_code == 403
    assert net.as_("member").post(url, json={"binding": {"host": "x"}}).status_code == 403
    active = admin.put(f"{url}/dst/activate")
    assert active.status_code == 200 and active.json()["binding"]["status"] == "ACTIVE"
    twice = admin.put(f"{url}/dst/activate")
    assert twice.status_code == 409 and _fault(twice) == "PortBindingAlreadyActive"
    shown = admin.get(f"/v2.0/ports/{port['id']}").json()["port"]
    assert shown["binding:host_id"] == "dst"
    assert admin.get(f"{url}/src").json()["binding"]["status"] == "INACTIVE"
    refused = admin.delete(f"{url}/dst")
    assert refused.status_code == 409
    assert admin.delete(f"{url}/src").status_code == 204
    missing = admin.get(f"{url}/src")
    assert missing.status_code == 404 and _fault(missing) == "PortBindingNotFound"
    assert admin.post(url, json={"binding": {}}).status_code == 400
    assert [b["host"] for b in admin.get(url).json()["bindings"]] == ["dst"]
    # The other project's port does not exist for it.
    other = net.as_("other").get(url)
    assert other.status_code in (403, 404)


def test_a_network_no_router_serves_gets_metadata_from_its_dhcp_namespace() -> None:
    guest = _port("p-guest-0000-0000")
    dhcp = _port("p-dhcp-00000-0000", owner="network:dhcp", ip="10.0.0.2", host="",
                 mac="fa:16:3e:00:00:09")
    alone = plan(_topology(guest, dhcp), NS).dhcp[NET]
    assert alone.metadata
    assert "169.254.169.254/32" in Dhcp.addresses(None, alone)  # type: ignore[arg-type]
    # The route there comes with the default one (classless routes replace the router).
    assert (f"tag:subnet-{SUBNET},option:classless-static-route,169.254.169.254/32,10.0.0.2,"
            "0.0.0.0/0,10.0.0.1") in opts_file(alone).splitlines()
    router_leg = _port("p-rtr-000000-0000", owner="network:router_interface", ip="10.0.0.1",
                       host="", mac="fa:16:3e:00:00:0a", device_id="r")
    routed = plan(_topology(guest, dhcp, router_leg), NS).dhcp[NET]
    assert not routed.metadata
    assert "169.254.169.254/32" not in Dhcp.addresses(None, routed)  # type: ignore[arg-type]
    assert "classless-static-route" not in opts_file(routed)


def test_a_router_its_agent_cannot_realise_shows_error_until_it_can(net: Net) -> None:
    router = net.router()
    state: Any = net.cloud.runtimes["network"].state
    state.routers.report_status({router["id"]: "ERROR"})
    url = f"/v2.0/routers/{router['id']}"
    assert net.as_("member").get(url).json()["router"]["status"] == "ERROR"
    state.routers.report_status({router["id"]: "ACTIVE", "gone": "ERROR"})
    assert net.as_("member").get(url).json()["router"]["status"] == "ACTIVE"
