"""The wire between the hosts one machine plays (``nimbus up --compute-hosts N`` with real
networks): a bridge in the cloud's ``underlay`` namespace, and a veth from each host's fabric
into it. Each fabric holds an address of ``SUBNET`` on its end (``ul0``), from which its VXLAN
devices reach the other hosts; tenant traffic never touches it unencapsulated, and it has no
way out of the namespaces.
"""

from __future__ import annotations

import ipaddress

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.ip import Ip

BRIDGE = "ul"
SUBNET = ipaddress.ip_network("100.64.0.0/24")
# Room for VXLAN's own headers (50 bytes) under the tenant networks' 1450.
MTU = 1500


def address(index: int) -> str:
    """The underlay address of the ``index``-th host (from 1)."""
    return f"{SUBNET.network_address + index}/{SUBNET.prefixlen}"


class Underlay:
    def __init__(self, ip: Ip, fabric: str, index: int) -> None:
        self.ip = ip
        self.fabric = fabric
        self.index = index
        self.ns = ip.namespaces.underlay

    def ensure(self) -> None:
        """The underlay bridge, and this host's leg on it, made if missing."""
        if self.ns not in self.ip.namespaces_here():
            self.ip.add_namespace(self.ns)
            self.ip.sysctl(self.ns, "net.ipv4.ip_forward", "0")
        if BRIDGE not in self.ip.links(self.ns):
            # No snooping: every VXLAN device joins the group, and floods must reach them all.
            self.ip.batch(self.ns, [f"link add {BRIDGE} mtu {MTU} type bridge mcast_snooping 0",
                                    f"link set {BRIDGE} up"])
        leg, outer = names.UNDERLAY_LEG, f"ul-{self.index}"
        if leg not in self.ip.links(self.fabric):
            self.ip.batch(self.fabric, [
                f"link add {leg} mtu {MTU} type veth peer name {outer} netns {self.ns}",
                f"addr add {address(self.index)} dev {leg}", f"link set {leg} up"])
            self.ip.batch(self.ns, [f"link set {outer} master {BRIDGE}", f"link set {outer} up"])
