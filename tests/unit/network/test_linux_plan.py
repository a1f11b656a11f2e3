"""The linux driver's plan (what the data plane should hold) and the fabric's convergence (the
``ip`` commands that make it so), checked without touching the kernel."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.dhcp import hosts_file, opts_file
from nimbus.network.drivers.linux.ext import leg_key
from nimbus.network.drivers.linux.fabric import Fabric, FabricWant, LegWant, TapWant, VlanWant
from nimbus.network.drivers.linux.firewall import ruleset
from nimbus.network.drivers.linux.ip import Ip, IpError
from nimbus.network.drivers.linux.model import (
    FloatingRec,
    NetworkRec,
    PortRec,
    RouterRec,
    RuleRec,
    SubnetRec,
    Topology,
)
from nimbus.network.drivers.linux.plan import plan
from nimbus.network.drivers.linux.routers import nat_rules
from nimbus.network.drivers.linux.shaping import Limit, Shaper, tbf
from nimbus.network.drivers.linux.vlan_bpf import (
    Filter,
    TrunkFilters,
    name_of,
    tag_program,
    untag_program,
)

COVERS = [("network", "linux driver: plan of bridges, taps, DHCP servers and wiring from the "
                      "model; fabric convergence runs only the difference"),
          ("network", "linux driver: routers' legs, default route, floating IP DNAT/SNAT and "
                      "SNAT rules, and the ext namespace's gateway address, from the model")]

NS = names.Namespaces("nimbus-test1234")
NET = "11111111-2222-3333-4444-555555555555"
SUBNET = "aaaaaaaa-2222-3333-4444-555555555555"


def _port(port_id: str, owner: str = "compute:nova", host: str = "vm-1",
          status: str = "DOWN", ip: str = "10.0.0.5", **kw: Any) -> PortRec:
    fields: dict[str, Any] = dict(
        id=port_id, project_id="p", network_id=NET, mac="fa:16:3e:00:00:01", owner=owner,
        device_id="d", host=host, admin_up=True, status=status,
        vif_type="tap" if owner.startswith("compute") else "unbound", port_security=True,
        security_groups=(), allowed_pairs=(), extra_dhcp_opts=(), ips=((SUBNET, ip),))
    fields.update(kw)
    return PortRec(**fields)


def _topology(*ports: PortRec, dhcp: bool = True) -> Topology:
    top = Topology()
    top.networks[NET] = NetworkRec(NET, "p", 1450, False, True)
    top.subnets[SUBNET] = SubnetRec(SUBNET, NET, 4, "10.0.0.0/26", "10.0.0.1", dhcp,
                                    ("10.0.0.2",), ())
    for p in ports:
        top.ports[p.id] = p
    return top


def test_a_guest_port_gets_a_tap_a_bridge_and_a_dhcp_server() -> None:
    guest = _port("p-guest-0000-0000")
    server = _port("p-dhcp-00000-0000", owner="network:dhcp", host="", status="ACTIVE",
                   ip="10.0.0.2")
    wanted = plan(_topology(guest, server), NS)
    assert wanted.fabric.taps == {guest.id: TapWant(NET, True)}
    assert wanted.fabric.bridges == {NET: 1450}
    assert wanted.fabric.legs == {server.id: LegWant(NET, NS.dhcp(NET),
                                                     names.dhcp_leg(server.id))}
    assert wanted.to_wire == [guest.id]
    assert set(wanted.dhcp) == {NET} and wanted.dhcp_ports_missing == []
    assert "fa:16:3e:00:00:01,host-10-0-0-5,10.0.0.5" in hosts_file(wanted.dhcp[NET])
    opts = opts_file(wanted.dhcp[NET])
    assert f"tag:subnet-{SUBNET},option:router,10.0.0.1" in opts
    assert f"tag:subnet-{SUBNET},option:mtu,1450" in opts


def test_a_network_without_its_dhcp_port_asks_for_one() -> None:
    wanted = plan(_topology(_port("p-guest-0000-0000")), NS)
    assert wanted.dhcp_ports_missing == [NET] and wanted.dhcp == {}


def test_no_dhcp_no_server_and_nothing_for_unbound_or_active_ports() -> None:
    unbound = _port("p-unbound-000-000", host="")
    active = _port("p-active-0000-000", status="ACTIVE")
    wanted = plan(_topology(unbound, active, dhcp=False), NS)
    assert set(wanted.fabric.taps) == {active.id}
    assert wanted.to_wire == [] and wanted.dhcp == {} and wanted.dhcp_ports_missing == []


class RecordingIp(Ip):
    """``ip`` that reads from a dict and records what it would run."""

    def __init__(self, links: dict[str, dict[str, Any]]) -> None:
        super().__init__(NS)
        self.have = links
        self.ran: list[str] = []

    def links(self, ns: str) -> dict[str, dict[str, Any]]:
        return dict(self.have)

    def batch(self, ns: str, lines: Any) -> None:
        self._check(ns)
        self.ran += list(lines)


class RecordingFilters(TrunkFilters):
    """Trunk programs kept in memory: what each device's ingress would hold."""

    def __init__(self, held: dict[str, dict[int, str]] | None = None) -> None:
        super().__init__("nimbus-test1234-fabric")
        self.held = held or {}

    def hooked(self) -> set[str]:
        return set(self.held)

    def present(self, device: str) -> dict[int, str]:
        return dict(self.held.get(device, {}))

    def converge(self, device: str, ifindex: int, wanted: list[Filter],
                 present: dict[int, str] | None = None) -> None:
        self.held[device] = {f.pref: f.name for f in wanted}


class RecordingShaper(Shaper):
    """Bandwidth limits kept in memory, by tap."""

    def __init__(self, held: dict[str, tuple[Limit, ...]] | None = None) -> None:
        super().__init__("nimbus-test1234-fabric")
        self.held = held or {}
        self.applied: list[str] = []

    def shaped(self) -> set[str]:
        return set(self.held)

    def apply(self, tap: str, ifb: str, limits: tuple[Limit, ...]) -> None:
        self.applied.append(tap)
        self.held[tap] = limits


def test_fabric_runs_only_the_difference() -> None:
    bridge, tap = names.bridge(NET), names.tap("p-guest-0000-0000")
    ip = RecordingIp({})
    want = FabricWant(bridges={NET: 1450}, taps={"p-guest-0000-0000": TapWant(NET, True)})
    Fabric(ip, NS.fabric, RecordingFilters(), RecordingShaper()).converge(want)
    assert ip.ran == [f"link add {bridge} mtu 1450 type bridge", f"link set {bridge} up",
                      f"tuntap add dev {tap} mode tap vnet_hdr multi_queue",
                      f"link set {tap} master {bridge}", f"link set {tap} mtu 1450",
                      f"link set {tap} up"]
    # As it now is: nothing to do. A stale tap and bridge go, members first.
    done = {bridge: {"mtu": 1450, "flags": ["UP"]},
            tap: {"mtu": 1450, "flags": ["UP"], "master": bridge},
            "tapold0000-00": {"mtu": 1450, "flags": ["UP"], "master": "brqold"},
            "brqold": {"mtu": 1450, "flags": ["UP"]}, "lo": {"flags": ["UP"]}}
    ip = RecordingIp(done)
    Fabric(ip, NS.fabric, RecordingFilters(), RecordingShaper()).converge(want)
    assert ip.ran == ["link del tapold0000-00", "link del brqold"]


def test_ip_refuses_namespaces_that_are_not_the_clouds() -> None:
    with pytest.raises(IpError):
        Ip(NS).run("nimbus-other-fabric", "link", "show")
    with pytest.raises(IpError):
        Ip(NS).sysctl(NS.fabric, "kernel.panic", "1")


def test_extra_dhcp_opts_hang_on_a_tag_of_the_port() -> None:
    guest = _port("p-guest-0000-0000", extra_dhcp_opts=(("tftp-server", "10.0.0.9", 4),
                                                        ("150", "10.0.0.8", 4),
                                                        ("dns-server", "::1", 6)))
    plain = _port("p-plain-0000-0000", mac="fa:16:3e:00:00:02", ip="10.0.0.6")
    server = _port("p-dhcp-00000-0000", owner="network:dhcp", host="", status="ACTIVE",
                   ip="10.0.0.2")
    want = plan(_topology(guest, plain, server), NS).dhcp[NET]
    hosts = hosts_file(want)
    assert "fa:16:3e:00:00:01,set:port-p-guest-0000-0000,host-10-0-0-5,10.0.0.5" in hosts
    assert "fa:16:3e:00:00:02,host-10-0-0-6,10.0.0.6" in hosts
    opts = opts_file(want)
    assert "tag:port-p-guest-0000-0000,option:tftp-server,10.0.0.9" in opts
    assert "tag:port-p-guest-0000-0000,150,10.0.0.8" in opts
    assert "::1" not in opts


EXT = "eeeeeeee-2222-3333-4444-555555555555"
EXT_SUBNET = "ffffffff-2222-3333-4444-555555555555"
ROUTER = "rrrrrrrr-2222-3333-4444-555555555555"


def _routed(enable_snat: bool = True) -> Topology:
    guest = _port("p-guest-0000-0000", status="ACTIVE")
    iface = _port("p-iface-0000-0000", owner="network:router_interface", host="",
                  status="ACTIVE", ip="10.0.0.1", mac="fa:16:3e:00:00:0a", device_id=ROUTER)
    gw = _port("p-gw-000000-0000", owner="network:router_gateway", host="", status="ACTIVE",
               mac="fa:16:3e:00:00:0b", device_id=ROUTER, network_id=EXT,
               ips=((EXT_SUBNET, "172.24.4.2"),))
    top = _topology(guest, iface, gw, dhcp=False)
    top.networks[EXT] = NetworkRec(EXT, "admin", 1500, True, True)
    top.subnets[EXT_SUBNET] = SubnetRec(EXT_SUBNET, EXT, 4, "172.24.4.0/24", "172.24.4.1",
                                        False, (), ())
    top.routers[ROUTER] = RouterRec(ROUTER, True, gw.id, enable_snat, ())
    top.floating_ips["f1"] = FloatingRec("f1", "172.24.4.9", EXT, "10.0.0.5", guest.id, ROUTER)
    return top


def test_a_router_gets_its_legs_its_default_route_and_the_ext_namespace() -> None:
    wanted = plan(_routed(), NS)
    router = wanted.l3.routers[ROUTER]
    assert router.default_via == "172.24.4.1"
    assert [i.addresses for i in router.interfaces] == [("10.0.0.1/26",)]
    assert router.gateway is not None and router.gateway.addresses == ("172.24.4.2/24",)
    assert router.floating == (("172.24.4.9", "10.0.0.5"),)
    assert router.snat_from == ("10.0.0.0/26",)
    assert wanted.fabric.legs["p-iface-0000-0000"] == LegWant(
        NET, NS.router(ROUTER), names.router_leg("p-iface-0000-0000"))
    assert wanted.fabric.legs[leg_key(EXT)] == LegWant(EXT, NS.ext, names.ext_leg(EXT))
    assert wanted.fabric.bridges == {NET: 1450, EXT: 1500}
    assert [(e.network_id, e.addresses) for e in wanted.l3.ext] == [(EXT, ("172.24.4.1/24",))]


def test_nat_is_dnat_and_snat_per_floating_ip_and_snat_for_the_rest() -> None:
    qg = names.gateway_leg("p-gw-000000-0000")
    rules = nat_rules(plan(_routed(), NS).l3.routers[ROUTER])
    assert "ip daddr 172.24.4.9 dnat to 10.0.0.5" in rules
    assert "ip daddr 169.254.169.254 tcp dport 80 redirect to :9697" in rules
    assert f'ip saddr 10.0.0.5 oifname "{qg}" snat to 172.24.4.9' in rules
    assert f'ip saddr 10.0.0.0/26 oifname "{qg}" snat to 172.24.4.2' in rules
    # Replaced whole: made if missing, then deleted and written again, in one transaction.
    assert rules.startswith("add table ip nimbus\ndelete table ip nimbus\n")
    without = nat_rules(plan(_routed(enable_snat=False), NS).l3.routers[ROUTER])
    assert "snat to 172.24.4.2" not in without and "snat to 172.24.4.9" in without


def test_security_groups_become_per_port_chains_with_anti_spoofing() -> None:
    guest = _port("p-guest-0000-0000", status="ACTIVE", security_groups=("g1",),
                  allowed_pairs=(("10.0.0.40", ""),))
    peer = _port("p-peer-00000-0000", status="ACTIVE", mac="fa:16:3e:00:00:02", ip="10.0.0.6",
                 security_groups=("g1",))
    open_port = _port("p-open-00000-0000", status="ACTIVE", port_security=False,
                      mac="fa:16:3e:00:00:03", ip="10.0.0.7")
    top = _topology(guest, peer, open_port, dhcp=False)
    top.rules = [RuleRec("g1", "ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0", None),
                 RuleRec("g1", "ingress", "IPv4", None, None, None, None, "g1"),
                 RuleRec("g1", "egress", "IPv4", None, None, None, None, None),
                 RuleRec("g1", "ingress", "IPv4", "icmp", 8, None, "192.0.2.0/24", None)]
    text = ruleset(plan(top, NS).filtered)
    tap = names.tap(guest.id)
    # Each filtered port: marked in and out, its own chains, DHCP always, then its rules.
    assert f'iifname "{tap}" meta mark set meta mark | 0x1' in text
    assert f'oifname "{tap}" meta mark set meta mark | 0x10000' in text
    assert "meta nfproto ipv4 tcp dport 22 return" in text
    assert "meta nfproto ipv4 ip saddr { 10.0.0.5, 10.0.0.6 } return" in text
    assert "meta nfproto ipv4 ip saddr 192.0.2.0/24 meta l4proto icmp icmp type 8 return" in text
    assert "udp sport 67 udp dport 68 return" in text
    # Anti-spoofing: its MAC, its address and its allowed pair (and 0.0.0.0 for DHCP).
    assert f'iifname "{tap}" ether type ip ip saddr != {{ 0.0.0.0, 10.0.0.40, 10.0.0.5 }} drop' \
        in text
    # A port without port security is not filtered at all.
    assert names.tap(open_port.id) not in text


def test_a_trunks_subport_is_a_vlan_of_its_parents_tap_in_its_own_bridge() -> None:
    other_net, other_subnet = "22222222-2222-3333-4444-555555555555", "bbbbbbbb-2222"
    parent = _port("p-parent-000-0000", status="ACTIVE")
    sub = _port("p-sub-000000-0000", owner="trunk:subport", vif_type="tap",
                network_id=other_net, mac="fa:16:3e:00:00:09", ip="10.9.0.5",
                security_groups=("g1",), parent=parent.id, vlan=101,
                ips=((other_subnet, "10.9.0.5"),))
    orphan = _port("p-orphan-000-0000", owner="trunk:subport", vif_type="tap",
                   network_id=other_net, parent="p-gone-00000-0000", vlan=102)
    top = _topology(parent, sub, orphan)
    top.networks[other_net] = NetworkRec(other_net, "p", 1400, False, True)
    out = plan(top, NS)
    assert list(out.fabric.taps) == [parent.id]
    assert out.fabric.vlans == {sub.id: VlanWant(other_net, parent.id, 101, True)}
    assert out.fabric.bridges == {NET: 1450, other_net: 1400}
    assert out.to_wire == [sub.id]
    # Its own security groups filter it, on its own device.
    assert f'iifname "{names.subport(sub.id)}" ether saddr != {{ fa:16:3e:00:00:09 }} drop' in \
        ruleset(out.filtered)

    device, peer, tap = names.subport(sub.id), names.subport_peer(sub.id), names.tap(parent.id)
    ip = RecordingIp({})
    Fabric(ip, NS.fabric, RecordingFilters(), RecordingShaper()).converge(out.fabric)
    assert f"link add {device} mtu 1400 type veth peer name {peer}" in ip.ran
    assert f"link set {device} master {names.bridge(other_net)}" in ip.ran
    # Once the devices exist: the tap's tagged frames of VLAN 101 go out of the peer, and
    # what comes back in there goes out of the tap, tagged.
    links = {tap: {"ifindex": 7, "mtu": 1450, "flags": ["UP"], "master": names.bridge(NET)},
             peer: {"ifindex": 9, "mtu": 1400, "flags": ["UP"]},
             device: {"ifindex": 8, "mtu": 1400, "flags": ["UP"],
                      "master": names.bridge(other_net)},
             "tapold0000-00": {"ifindex": 3, "mtu": 1450, "flags": ["UP"]}}
    filters = RecordingFilters({"tapold0000-00": {5: name_of(False, 5, 4)}})
    fabric = Fabric(RecordingIp(links), NS.fabric, filters, RecordingShaper())
    fabric.converge(out.fabric)
    assert filters.held[tap] == {101: name_of(False, 101, 9)}
    assert filters.held[peer] == {101: name_of(True, 101, 7)}
    assert fabric.carried == {sub.id}
    # A program a stopped agent left on a tap is taken away at the first sync.
    assert filters.held["tapold0000-00"] == {}
    # The subport leaves the trunk: its programs go with it.
    out.fabric.vlans.clear()
    fabric.converge(out.fabric)
    assert filters.held[tap] == {} and fabric.carried == set()


def test_trunk_programs_are_a_few_instructions_each() -> None:
    untag, tag = untag_program(101, 9), tag_program(101, 7)
    assert len(untag) % 8 == 0 and len(tag) % 8 == 0
    # Both end in ``exit``; the untagging one lets every other frame go on (-1).
    assert untag[-8] == tag[-8] == 0x95
    assert struct.unpack_from("<i", untag, len(untag) - 12)[0] == -1


def test_bandwidth_limits_shape_the_tap_and_an_ifb_for_what_the_guest_sends() -> None:
    guest = _port("p-guest-0000-0000", status="ACTIVE",
                  limits=(("egress", 2000, 0), ("ingress", 8000, 1000)))
    out = plan(_topology(guest), NS)
    limits = (Limit("egress", 2000, 0), Limit("ingress", 8000, 1000))
    assert out.fabric.taps[guest.id].limits == limits
    tap, ifb = names.tap(guest.id), names.shaper(guest.id)
    ip, shaper = RecordingIp({}), RecordingShaper({"tapold0000-00": (Limit("ingress", 1),)})
    links = {tap: {"ifindex": 7, "mtu": 1450, "flags": ["UP"], "master": names.bridge(NET)},
             "tapold0000-00": {"ifindex": 3}}
    fabric = Fabric(ip, NS.fabric, RecordingFilters(), shaper)
    fabric.converge(out.fabric)
    assert f"link add {ifb} type ifb" in ip.ran
    ip.have = links
    fabric.converge(out.fabric)
    assert shaper.held[tap] == limits
    # Only a change is applied again.
    shaper.applied.clear()
    fabric.converge(out.fabric)
    assert shaper.applied == []
    # A rule's burst, or 80% of its rate; never less than a frame.
    assert tbf(Limit("egress", 2000)) == ["tbf", "rate", "2000kbit", "burst", "200000",
                                          "latency", "50ms"]
    assert tbf(Limit("ingress", 8, 0))[4] == "3200"


def test_a_trunk_program_the_kernel_refuses_leaves_the_rest_of_the_fabric_alone() -> None:
    parent = _port("p-parent-000-0000", status="ACTIVE")
    sub = _port("p-sub-000000-0000", owner="trunk:subport", vif_type="tap", parent=parent.id,
                vlan=7)
    out = plan(_topology(parent, sub), NS)

    class Refusing(RecordingFilters):
        def converge(self, device: str, ifindex: int, wanted: list[Filter],
                     present: dict[int, str] | None = None) -> None:
            raise IpError("the kernel refused a trunk program")

    links = {names.tap(parent.id): {"ifindex": 7}, names.subport_peer(sub.id): {"ifindex": 9},
             names.subport(sub.id): {"ifindex": 8}}
    fabric = Fabric(RecordingIp(links), NS.fabric, Refusing(), RecordingShaper())
    fabric.converge(out.fabric)
    # Not carried, so not reported wired; the sync itself went through.
    assert fabric.carried == set()


def test_a_dscp_mark_is_set_on_what_the_guest_sends_whatever_its_port_security() -> None:
    marked = _port("p-marked-000-0000", dscp=26, port_security=False)
    zero = _port("p-zero-00000-0000", dscp=0, ip="10.0.0.6")
    plain = _port("p-plain-0000-0000", ip="10.0.0.7")
    out = plan(_topology(marked, zero, plain), NS)
    # A mark of 0 is a mark too (CS0): only a port without a DSCP rule is left alone.
    assert out.marks == {names.tap(marked.id): 26, names.tap(zero.id): 0}
    text = ruleset(out.filtered, out.marks)
    prerouting = text.split("chain prerouting {")[1].split("chain forward {")[0]
    for kind in ("ip", "ip6"):
        assert f'iifname "{names.tap(marked.id)}" ether type {kind} {kind} dscp set 0x1a' \
            in prerouting
        assert f'iifname "{names.tap(zero.id)}" ether type {kind} {kind} dscp set 0x0' \
            in prerouting
    assert not [line for line in prerouting.splitlines()
                if names.tap(plain.id) in line and "dscp" in line]


def test_mac_learning_lets_other_macs_out_but_not_other_addresses() -> None:
    learning = _port("p-learn-0000-0000", mac_learning=True)
    strict = _port("p-strict-000-0000", ip="10.0.0.6")
    text = ruleset(plan(_topology(learning, strict), NS).filtered)
    prerouting = text.split("chain prerouting {")[1].split("chain forward {")[0]
    lines = prerouting.splitlines()
    for port, mac_checked in ((learning, False), (strict, True)):
        tap = names.tap(port.id)
        mine = [line for line in lines if f'"{tap}"' in line]
        assert any("ether saddr !=" in line for line in mine) is mac_checked
        # Its IPv4 addresses hold either way.
        assert any("ip saddr != { 0.0.0.0, " in line for line in mine)
