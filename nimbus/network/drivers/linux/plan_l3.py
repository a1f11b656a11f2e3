"""The routed part of the plan: each router with an interface or a gateway, its legs, floating
IPs and SNAT, and the ``ext`` namespace's address on each external network a router uses."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from nimbus.network import constants as c
from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.ext import ExtWant, leg_key
from nimbus.network.drivers.linux.fabric import LegWant
from nimbus.network.drivers.linux.model import PortRec, RouterRec, Topology
from nimbus.network.drivers.linux.radvd import Advert
from nimbus.network.drivers.linux.routers import LegAddress, RouterWant


@dataclass
class L3Plan:
    routers: dict[str, RouterWant] = field(default_factory=dict)
    ext: list[ExtWant] = field(default_factory=list)
    legs: dict[str, LegWant] = field(default_factory=dict)


def _addresses(top: Topology, port: PortRec, versions: tuple[int, ...] = (4,)
               ) -> list[tuple[str, str]]:
    """(address/prefix, subnet id) of the port's addresses of ``versions``."""
    found = []
    for subnet_id, address in port.ips:
        subnet = top.subnets.get(subnet_id)
        if subnet is not None and subnet.ip_version in versions:
            prefix = ipaddress.ip_network(subnet.cidr).prefixlen
            found.append((f"{address}/{prefix}", subnet_id))
    return found


def _leg(top: Topology, port: PortRec) -> LegAddress:
    return LegAddress(port.id, port.mac, tuple(a for a, _ in _addresses(top, port, (4, 6))))


def _adverts(top: Topology, interfaces: list[PortRec]) -> tuple[Advert, ...]:
    """The IPv6 prefixes the router advertises: its subnets with an ``ipv6_ra_mode``."""
    found = []
    for port in interfaces:
        network = top.networks.get(port.network_id)
        for _, subnet_id in _addresses(top, port, (6,)):
            subnet = top.subnets[subnet_id]
            if subnet.ipv6_ra_mode:
                found.append(Advert(names.router_leg(port.id), subnet.cidr, subnet.ipv6_ra_mode,
                                    network.mtu if network is not None else 1500))
    return tuple(found)


def _router(top: Topology, router: RouterRec, ns: names.Namespaces, out: L3Plan) -> None:
    interfaces = sorted((p for p in top.ports.values()
                         if p.owner == c.OWNER_ROUTER_INTERFACE and p.device_id == router.id),
                        key=lambda p: p.id)
    gateway = top.ports.get(router.gw_port_id) if router.gw_port_id else None
    if not interfaces and gateway is None:
        return
    where = ns.router(router.id)
    for port in interfaces:
        out.legs[port.id] = LegWant(port.network_id, where, names.router_leg(port.id))
    default_via = None
    if gateway is not None:
        out.legs[gateway.id] = LegWant(gateway.network_id, where,
                                       names.gateway_leg(gateway.id))
        for _, subnet_id in _addresses(top, gateway):
            default_via = default_via or top.subnets[subnet_id].gateway_ip
    snat_from = tuple(sorted({top.subnets[sid].cidr for p in interfaces
                              for _, sid in _addresses(top, p)})) if router.enable_snat else ()
    floating = tuple(sorted((f.floating_ip, f.fixed_ip) for f in top.floating_ips.values()
                            if f.router_id == router.id and f.port_id and f.fixed_ip
                            and ":" not in f.fixed_ip))
    forwards = tuple(sorted((f for f in top.forwards if f.router_id == router.id),
                            key=lambda f: (f.floating_ip, f.protocol, f.external)))
    meters = tuple(m for m in top.meters if m.shared or m.project_id == router.project_id)
    helpers = tuple(sorted(h for h in top.helpers if h.router_id == router.id))
    out.routers[router.id] = RouterWant(
        router.id, router.admin_up, tuple(_leg(top, p) for p in interfaces),
        _leg(top, gateway) if gateway is not None else None, default_via, router.routes,
        floating, snat_from, _adverts(top, interfaces), forwards, meters, helpers)


def plan_l3(top: Topology, ns: names.Namespaces) -> L3Plan:
    out = L3Plan()
    for router in sorted(top.routers.values(), key=lambda r: r.id):
        _router(top, router, ns, out)
    external = sorted({out.legs[w.gateway.port_id].network_id for w in out.routers.values()
                       if w.gateway is not None})
    for network_id in external:
        addresses = tuple(
            f"{s.gateway_ip}/{ipaddress.ip_network(s.cidr).prefixlen}"
            for s in top.subnets_of(network_id) if s.ip_version == 4 and s.gateway_ip)
        out.ext.append(ExtWant(network_id, addresses))
        out.legs[leg_key(network_id)] = LegWant(network_id, ns.ext, names.ext_leg(network_id))
    return out
