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
from nimbus.network.drivers.linux.ip import Ip

LOG = logging.getLogger(__name__)
# Prefixes of the devices this module owns in the fabric namespace.
_OWNED = ("brq", "tap", "fb", "vx-")
# VXLAN between the hosts of one machine: every network's device floods to one multicast
# group on the underlay (Neutron's linuxbridge ``vxlan_group`` mode), so no host needs to know
# the others; the VNI keeps the networks apart.
VXLAN_GROUP = "239.1.1.1"
VXLAN_PORT = 4789


@dataclass(frozen=True)
class TapWant:
    network_id: str
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


def _up(link: dict[str, Any]) -> bool:
    return "UP" in (link.get("flags") or [])


def _kind(link: dict[str, Any]) -> str:
    return str((link.get("linkinfo") or {}).get("info_kind") or "")


def _vni(link: dict[str, Any]) -> int:
    return int(((link.get("linkinfo") or {}).get("info_data") or {}).get("id") or 0)


class Fabric:
    def __init__(self, ip: Ip, namespace: str) -> None:
        self.ip = ip
        self.ns = namespace

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
                  | {names.vxlan(n) for n in want.tunnels})
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

    def present_taps(self) -> set[str]:
        """The taps the namespace holds now (whose ports are wired)."""
        return {n for n, link in self.ip.links(self.ns).items() if n.startswith("tap")}
