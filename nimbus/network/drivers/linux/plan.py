"""From the model (``model.Topology``) to what this machine's data plane should hold.

A pure function, so that what the agent will build can be checked without touching the kernel:
which bridges, taps and veth legs the fabric holds, which networks get a DHCP server (those
with a guest's port and an IPv4 subnet with DHCP), and which ports are to be reported wired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nimbus.network import constants as c
from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.dhcp import DhcpWant
from nimbus.network.drivers.linux.fabric import FabricWant, LegWant, TapWant, VlanWant
from nimbus.network.drivers.linux.firewall import Filtered
from nimbus.network.drivers.linux.model import PortRec, RuleRec, Topology
from nimbus.network.drivers.linux.plan_l3 import L3Plan, plan_l3
from nimbus.network.drivers.linux.shaping import Limit

VIF_TAP = "tap"


@dataclass(frozen=True)
class Role:
    """What one host's agent realises. ``host`` empty: the machine is the cloud's one host and
    plugs every port. A network node also serves DHCP, routers and metadata; ``tunnels``: the
    host's networks cross to the other hosts over VXLAN."""

    host: str = ""
    network_node: bool = True
    tunnels: bool = False

    def plugs(self, port: PortRec) -> bool:
        """Whether the port's tap is here: it is bound here, or about to move here."""
        return not self.host or port.host == self.host or self.host in port.also_on

    def hosts(self, port: PortRec) -> bool:
        """Whether the port's active binding is here (it is reported wired from here)."""
        return not self.host or port.host == self.host


@dataclass
class Plan:
    fabric: FabricWant = field(default_factory=FabricWant)
    dhcp: dict[str, DhcpWant] = field(default_factory=dict)
    # Networks whose DHCP port is missing or lacks an address on a DHCP subnet.
    dhcp_ports_missing: list[str] = field(default_factory=list)
    # Guest ports whose tap is wanted and which are not ACTIVE yet.
    to_wire: list[str] = field(default_factory=list)
    l3: L3Plan = field(default_factory=L3Plan)
    # Guest ports with port security, and their groups' rules.
    filtered: list[Filtered] = field(default_factory=list)
    # DSCP marks set on what guests send, by the device their traffic enters the bridge from.
    marks: dict[str, int] = field(default_factory=dict)


def is_guest_port(port: PortRec) -> bool:
    return port.vif_type == VIF_TAP and bool(port.host) and not port.owner.startswith("network:")


def plan(top: Topology, ns: names.Namespaces, role: Role = Role()) -> Plan:
    out = Plan()
    guests = [p for p in top.ports.values() if is_guest_port(p) and p.network_id in top.networks]
    here = [p for p in guests if not p.parent and role.plugs(p)]
    for port in here:
        out.fabric.taps[port.id] = TapWant(port.network_id, port.admin_up,
                                           tuple(Limit(*lim) for lim in port.limits))
        if port.admin_up and port.status != c.ACTIVE and role.hosts(port):
            out.to_wire.append(port.id)
    # A trunk's subports are where its parent's tap is: a VLAN device on that tap each.
    for port in guests:
        parent = top.ports.get(port.parent) if port.parent else None
        if parent is None or parent.id not in out.fabric.taps:
            continue
        here.append(port)
        out.fabric.vlans[port.id] = VlanWant(port.network_id, parent.id, port.vlan,
                                             port.admin_up)
        if port.admin_up and port.status != c.ACTIVE and role.hosts(parent):
            out.to_wire.append(port.id)
    out.filtered = _filtered(top, here)
    out.marks = {names.port_device(p.id, bool(p.parent)): p.dscp for p in here
                 if p.dscp is not None}
    if role.network_node:
        _network_node(top, ns, guests, out)
    used = {t.network_id for t in out.fabric.taps.values()} | {
        leg.network_id for leg in out.fabric.legs.values()} | {
        v.network_id for v in out.fabric.vlans.values()}
    out.fabric.bridges = {net_id: top.networks[net_id].mtu for net_id in sorted(used)}
    if role.tunnels:
        out.fabric.tunnels = {net_id: top.networks[net_id].vni for net_id in sorted(used)}
    return out


def _network_node(top: Topology, ns: names.Namespaces, guests: list[PortRec],
                  out: Plan) -> None:
    """DHCP for every network with a guest on any host, and the routers."""
    for net_id in sorted({p.network_id for p in guests}):
        subnets = tuple(s for s in top.subnets_of(net_id) if s.enable_dhcp and s.ip_version == 4)
        if not subnets:
            continue
        server = next((p for p in top.ports_of(net_id) if p.owner == c.OWNER_DHCP), None)
        served = {sid for sid, _ in server.ips} if server is not None else set()
        if server is None or any(s.id not in served for s in subnets):
            out.dhcp_ports_missing.append(net_id)
            continue
        clients = tuple(p for p in top.ports_of(net_id) if p.owner != c.OWNER_DHCP)
        routed = any(p.owner == c.OWNER_ROUTER_INTERFACE for p in top.ports_of(net_id))
        out.dhcp[net_id] = DhcpWant(net_id, top.networks[net_id].mtu, server, subnets, clients,
                                    metadata=not routed)
        out.fabric.legs[server.id] = LegWant(net_id, ns.dhcp(net_id),
                                             names.dhcp_leg(server.id))
    out.l3 = plan_l3(top, ns)
    out.fabric.legs.update(out.l3.legs)


def _remotes(top: Topology, members: dict[str, list[str]], rule: RuleRec) -> tuple[str, ...]:
    """What a rule's remote end stands for: its remote group's member addresses, or its
    address group's prefixes."""
    if rule.remote_address_group_id:
        return top.address_groups.get(rule.remote_address_group_id, ())
    return tuple(members.get(rule.remote_group_id or "", []))


def _filtered(top: Topology, guests: list[PortRec]) -> list[Filtered]:
    members: dict[str, list[str]] = {}
    for port in top.ports.values():
        for group in port.security_groups:
            members.setdefault(group, []).extend(a for _, a in port.ips)
    out = []
    for port in guests:
        if not port.port_security:
            continue
        rules = tuple((rule, _remotes(top, members, rule))
                      for rule in top.rules if rule.group_id in port.security_groups)
        out.append(Filtered(port, rules))
    return out
