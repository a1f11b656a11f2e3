"""The fabric namespace: one Linux bridge per network, a tap per guest port, and the fabric
ends of the veth legs that carry router, DHCP and external ports into those bridges.

``converge`` compares what the namespace holds (``ip -j link``) with what is wanted and runs only
the difference, in one ``ip -batch``: a sync that finds nothing to do runs one read. Devices the
model no longer wants are deleted, so that a port or network removed while the agent was down is
gone after its next start. Taps are persistent and multi-queue: QEMU opens them by file
descriptor (``core/netns.open_tap``), and two QEMUs may hold one while a guest migrates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.ip import Ip, IpError
from nimbus.network.drivers.linux.shaping import Limit, Shaper
from nimbus.network.drivers.linux.vlan_bpf import Filter, TrunkFilters, name_of

LOG = logging.getLogger(__name__)
# Prefixes of the devices this module owns in the fabric namespace.
_OWNED = ("brq", "tap", "fb", "vx-", "sp-", "qi-")
# VXLAN between the hosts of one machine: every network's device floods to one multicast
# group on the underlay (Neutron's linuxbridge ``vxlan_group`` mode), so no host needs to know
# the others; the VNI keeps the networks apart.
VXLAN_GROUP = "239.1.1.1"
VXLAN_PORT = 4789


@dataclass(frozen=True)
class TapWant:
    network_id: str
    admin_up: bool
    # Bandwidth limits of its QoS policy (``shaping.py``).
    limits: tuple[Limit, ...] = ()


@dataclass(frozen=True)
class VlanWant:
    """A trunk's subport: VLAN ``vlan`` of the parent port's tap, in ``network_id``'s bridge."""

    network_id: str
    parent_id: str
    vlan: int
    admin_up: bool


@dataclass(frozen=True)
class LegWant:
    """A veth from a network's bridge to ``inner`` in namespace ``peer``."""

    network_id: str
    peer: str
    inner: str


@dataclass
class FabricWant:
    bridges: dict[str, int] = field(default_factory=dict)    # network id -> MTU
    taps: dict[str, TapWant] = field(default_factory=dict)   # port id -> tap
    legs: dict[str, LegWant] = field(default_factory=dict)   # port id -> leg
    tunnels: dict[str, int] = field(default_factory=dict)    # network id -> VNI
    vlans: dict[str, VlanWant] = field(default_factory=dict)  # subport id -> VLAN device


def _egress(tap: TapWant) -> bool:
    return any(lim.direction == "egress" for lim in tap.limits)


def _up(link: dict[str, Any]) -> bool:
    return "UP" in (link.get("flags") or [])


def _kind(link: dict[str, Any]) -> str:
    return str((link.get("linkinfo") or {}).get("info_kind") or "")


def _vni(link: dict[str, Any]) -> int:
    return int(((link.get("linkinfo") or {}).get("info_data") or {}).get("id") or 0)


class Fabric:
    def __init__(self, ip: Ip, namespace: str, filters: TrunkFilters, shaper: Shaper) -> None:
        self.ip = ip
        self.ns = namespace
        self.filters = filters
        self.shaper = shaper
        # Bandwidth limits in place, by tap.
        self._limits: dict[str, tuple[Limit, ...]] = {}
        self._shaping_adopted = False
        # Trunk programs in place, by device (names of its filters); every tap is looked at
        # once after a start (``_adopted``), to take programs a stopped agent left.
        self._programs: dict[str, tuple[str, ...]] = {}
        self._adopted = False
        # Subports whose VLAN is carried both ways now (they are reported wired).
        self.carried: set[str] = set()

    def ensure(self) -> None:
        if self.ns in self.ip.namespaces_here():
            return
        self.ip.add_namespace(self.ns)
        # Nothing is routed here: the fabric only switches (routers have their own namespaces).
        self.ip.sysctl(self.ns, "net.ipv4.ip_forward", "0")
        self.ip.sysctl(self.ns, "net.ipv6.conf.all.disable_ipv6", "1")
        self.ip.sysctl(self.ns, "net.ipv6.conf.default.disable_ipv6", "1")

    def converge(self, want: FabricWant) -> None:
        have = self.ip.links(self.ns)
        bridges = {names.bridge(net): mtu for net, mtu in want.bridges.items()}
        wanted = (set(bridges) | {names.tap(p) for p in want.taps}
                  | {names.fabric_end(p) for p in want.legs}
                  | {names.vxlan(n) for n in want.tunnels}
                  | {names.subport(p) for p in want.vlans}
                  | {names.shaper(p) for p, t in want.taps.items() if _egress(t)})
        stale = [n for n in have if n.startswith(_OWNED) and n not in wanted]
        # Removed first: a deleted network's VXLAN device holds its VNI, which a new network
        # may have been given since. Members before their bridges.
        lines: list[str] = []
        for name in sorted(stale, key=lambda n: n.startswith("brq")):
            LOG.info("fabric: removing %s (%s), which nothing uses any more", name,
                     _kind(have[name]) or "device")
            lines.append(f"link del {name}")
            del have[name]
        for name, mtu in bridges.items():
            link = have.get(name)
            if link is None:
                lines.append(f"link add {name} mtu {mtu} type bridge")
            elif int(link.get("mtu") or 0) != mtu:
                lines.append(f"link set {name} mtu {mtu}")
            if link is None or not _up(link):
                lines.append(f"link set {name} up")
        for port_id, tap in want.taps.items():
            name, bridge = names.tap(port_id), names.bridge(tap.network_id)
            lines += self._member(have.get(name), name, bridge, bridges.get(bridge, 1450),
                                  tap.admin_up,
                                  f"tuntap add dev {name} mode tap vnet_hdr multi_queue")
        for port_id, vlan in want.vlans.items():
            name, peer = names.subport(port_id), names.subport_peer(port_id)
            bridge = names.bridge(vlan.network_id)
            mtu = bridges.get(bridge, 1450)
            link = have.get(name)
            lines += self._member(link, name, bridge, mtu, vlan.admin_up,
                                  f"link add {name} mtu {mtu} type veth peer name {peer}")
            if link is None:
                lines += [f"link set {peer} mtu {mtu}", f"link set {peer} up"]
        for port_id, tap in want.taps.items():
            name = names.shaper(port_id)
            if _egress(tap) and name not in have:
                lines += [f"link add {name} type ifb", f"link set {name} up"]
        for port_id, leg in want.legs.items():
            name, bridge = names.fabric_end(port_id), names.bridge(leg.network_id)
            mtu = bridges.get(bridge, 1450)
            lines += self._member(have.get(name), name, bridge, mtu, True,
                                  f"link add {name} mtu {mtu} type veth peer name {leg.inner} "
                                  f"netns {leg.peer}")
        for net_id, vni in want.tunnels.items():
            name, bridge = names.vxlan(net_id), names.bridge(net_id)
            link = have.get(name)
            if link is not None and _vni(link) != vni:
                lines.append(f"link del {name}")
                link = None
            lines += self._member(link, name, bridge, bridges.get(bridge, 1450), True,
                                  f"link add {name} type vxlan id {vni} group {VXLAN_GROUP} "
                                  f"dev {names.UNDERLAY_LEG} dstport {VXLAN_PORT} ttl 1")
        self.ip.batch(self.ns, lines)
        # The devices as read, unless this sync made or removed some.
        links = None if lines else have
        links = self._trunks(want, links)
        self._shape(want, links)

    def _shape(self, want: FabricWant, links: dict[str, dict[str, Any]] | None) -> None:
        """Each tap's bandwidth limits; only taps whose limits change are touched, and after
        a start every tap an earlier run shaped."""
        wanted = {names.tap(p): t.limits for p, t in want.taps.items()}
        devices = {tap for tap, limits in wanted.items() if self._limits.get(tap, ()) != limits}
        if not self._shaping_adopted:
            devices |= self.shaper.shaped() & set(wanted)
            self._shaping_adopted = True
        for tap in sorted(devices):
            if links is None:
                links = self.ip.links(self.ns)
            if tap not in links:
                continue
            port_id = next(p for p in want.taps if names.tap(p) == tap)
            try:
                self.shaper.apply(tap, names.shaper(port_id), wanted[tap])
            except IpError as exc:   # the port still passes traffic; the next sync tries again
                LOG.warning("fabric: bandwidth limits of %s not applied: %s", tap, exc)
                continue
            self._limits[tap] = wanted[tap]
        for gone in set(self._limits) - set(wanted):
            del self._limits[gone]

    def _trunks(self, want: FabricWant, links: dict[str, dict[str, Any]] | None
                ) -> dict[str, dict[str, Any]] | None:
        """The programs that carry each subport's VLAN between its parent's tap and its
        veth (``vlan_bpf``). Only devices whose programs should change are looked at, and
        after a start every tap once (programs outlive the agent)."""
        if not want.vlans and not self._programs and self._adopted:
            self.carried = set()
            return links
        if links is None:
            links = self.ip.links(self.ns)
        wanted: dict[str, list[Filter]] = {}
        for port_id, vlan in want.vlans.items():
            tap, peer = names.tap(vlan.parent_id), names.subport_peer(port_id)
            if tap not in links or peer not in links:
                continue
            to_peer, to_tap = int(links[peer]["ifindex"]), int(links[tap]["ifindex"])
            wanted.setdefault(tap, []).append(
                Filter(vlan.vlan, name_of(False, vlan.vlan, to_peer), vlan.vlan, to_peer, False))
            wanted.setdefault(peer, []).append(
                Filter(vlan.vlan, name_of(True, vlan.vlan, to_tap), vlan.vlan, to_tap, True))
        devices = set(wanted) | set(self._programs)
        if not self._adopted:
            devices |= self.filters.hooked() & {n for n in links if n.startswith(("tap", "sq-"))}
            self._adopted = True
        for device in sorted(devices & set(links)):
            items = sorted(wanted.get(device, []), key=lambda f: f.pref)
            names_now = tuple(f.name for f in items)
            if self._programs.get(device) == names_now:
                continue
            try:
                self.filters.converge(device, int(links[device]["ifindex"]), items)
            except IpError as exc:   # only this trunk's subports wait; the next sync tries again
                LOG.warning("fabric: trunk programs of %s not in place: %s", device, exc)
                continue
            if items:
                self._programs[device] = names_now
            else:
                self._programs.pop(device, None)
        for gone in set(self._programs) - set(links):
            del self._programs[gone]
        self.carried = {port_id for port_id, vlan in want.vlans.items()
                        if names.subport_peer(port_id) in self._programs
                        and names.tap(vlan.parent_id) in self._programs}
        return links

    @staticmethod
    def _member(link: dict[str, Any] | None, name: str, bridge: str, mtu: int, up: bool,
                create: str) -> list[str]:
        lines = []
        if link is None:
            lines.append(create)
        if link is None or link.get("master") != bridge:
            lines.append(f"link set {name} master {bridge}")
        if link is None or int(link.get("mtu") or 0) != mtu:
            lines.append(f"link set {name} mtu {mtu}")
        if link is None or _up(link) != up:
            lines.append(f"link set {name} {'up' if up else 'down'}")
        return lines

    def present_ports(self) -> set[str]:
        """The taps and subport VLAN devices the namespace holds now (their ports are wired)."""
        return {n for n in self.ip.links(self.ns) if n.startswith(("tap", "sp-"))}
