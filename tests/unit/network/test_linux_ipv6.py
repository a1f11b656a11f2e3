"""IPv6 on real networks, checked without touching the kernel: the router advertises its
subnets' prefixes with the flags of their modes, and the firewall lets guests find routers and
neighbours while it keeps them to their own addresses."""

from __future__ import annotations

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.firewall import Filtered, link_local, ruleset
from nimbus.network.drivers.linux.model import (
    NetworkRec,
    PortRec,
    RouterRec,
    RuleRec,
    SubnetRec,
    Topology,
)
from nimbus.network.drivers.linux.plan import plan
from nimbus.network.drivers.linux.radvd import Advert, config

COVERS = [("network", "linux driver: router advertisements for slaac and DHCPv6 subnets, IPv6 "
                      "anti-spoofing and neighbour discovery through security groups")]

NS = names.Namespaces("nimbus-test1234")
NET, ROUTER = "n6", "r6"


def _port(port_id: str, owner: str, ips: tuple[tuple[str, str], ...],
          mac: str = "fa:16:3e:00:00:01", **kw: object) -> PortRec:
    fields: dict[str, object] = dict(
        id=port_id, project_id="p", network_id=NET, mac=mac, owner=owner, device_id=ROUTER,
        host="", admin_up=True, status="ACTIVE", vif_type="unbound", port_security=True,
        security_groups=(), allowed_pairs=(), extra_dhcp_opts=(), ips=ips)
    fields.update(kw)
    return PortRec(**fields)  # type: ignore[arg-type]


def _dual_stack() -> Topology:
    top = Topology()
    top.networks[NET] = NetworkRec(NET, "p", 1450, False, True)
    top.subnets["s4"] = SubnetRec("s4", NET, 4, "10.0.0.0/24", "10.0.0.1", True, (), ())
    top.subnets["slaac"] = SubnetRec("slaac", NET, 6, "2001:db8:1::/64", "2001:db8:1::1", True,
                                     (), (), "slaac", "slaac")
    top.subnets["stateless"] = SubnetRec("stateless", NET, 6, "2001:db8:2::/64",
                                         "2001:db8:2::1", True, (), (), "dhcpv6-stateless",
                                         "dhcpv6-stateless")
    # Addresses from a router outside the cloud: nothing to advertise.
    top.subnets["outside"] = SubnetRec("outside", NET, 6, "2001:db8:3::/64", "2001:db8:3::1",
                                       True, (), (), None, "slaac")
    iface = _port("p-iface", "network:router_interface",
                  (("s4", "10.0.0.1"), ("slaac", "2001:db8:1::1"),
                   ("stateless", "2001:db8:2::1"), ("outside", "2001:db8:3::1")))
    top.ports[iface.id] = iface
    top.routers[ROUTER] = RouterRec(ROUTER, True, None, True, ())
    return top


def test_a_router_holds_its_ipv6_gateways_and_advertises_the_prefixes_of_ra_subnets() -> None:
    router = plan(_dual_stack(), NS).l3.routers[ROUTER]
    assert set(router.interfaces[0].addresses) == {
        "10.0.0.1/24", "2001:db8:1::1/64", "2001:db8:2::1/64", "2001:db8:3::1/64"}
    leg = names.router_leg("p-iface")
    assert sorted(router.adverts, key=lambda a: a.prefix) == [
        Advert(leg, "2001:db8:1::/64", "slaac", 1450),
        Advert(leg, "2001:db8:2::/64", "dhcpv6-stateless", 1450)]


def test_radvd_flags_follow_the_mode() -> None:
    slaac = config((Advert("qr-a", "2001:db8:1::/64", "slaac", 1450),))
    assert "interface qr-a {" in slaac and "AdvLinkMTU 1450;" in slaac
    assert "AdvAutonomous on;" in slaac
    assert "AdvOtherConfigFlag" not in slaac and "AdvManagedFlag" not in slaac
    stateless = config((Advert("qr-a", "2001:db8:2::/64", "dhcpv6-stateless", 1500),))
    assert "AdvOtherConfigFlag on;" in stateless and "AdvManagedFlag" not in stateless
    stateful = config((Advert("qr-a", "2001:db8:4::/64", "dhcpv6-stateful", 1500),))
    assert "AdvManagedFlag on;" in stateful and "AdvAutonomous off;" in stateful
    two = config((Advert("qr-a", "2001:db8:1::/64", "slaac", 1450),
                  Advert("qr-a", "2001:db8:2::/64", "slaac", 1450)))
    assert two.count("interface qr-a") == 1 and two.count("prefix ") == 2


def test_link_local_is_the_eui64_of_the_mac() -> None:
    assert link_local("fa:16:3e:12:34:56") == "fe80::f816:3eff:fe12:3456"


def test_guests_keep_their_ipv6_addresses_and_find_routers_and_neighbours() -> None:
    guest = _port("p-guest", "compute:nova", (("s4", "10.0.0.5"), ("slaac", "2001:db8:1::5")),
                  mac="fa:16:3e:12:34:56", device_id="vm", host="h", vif_type="tap",
                  security_groups=("g",))
    rule = RuleRec("g", "ingress", "IPv6", "icmp", None, None, None, None)
    text = ruleset([Filtered(guest, ((rule, ()),))])
    tap = names.tap(guest.id)
    assert (f'iifname "{tap}" ether type ip6 ip6 saddr != {{ ::, 2001:db8:1::5, '
            f'fe80::f816:3eff:fe12:3456 }} drop') in text
    # A guest never acts as a router or a DHCPv6 server.
    assert f'iifname "{tap}" icmpv6 type nd-router-advert drop' in text
    assert f'iifname "{tap}" udp sport 547 drop' in text
    # Neighbour discovery passes whatever the groups say; the rule lets ping6 in.
    assert "nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert" in text
    assert "icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert" in text
    assert "meta nfproto ipv6 meta l4proto ipv6-icmp return" in text
