"""The cloud's outside: the ``ext`` namespace, which holds the gateway address of each external
network's subnets (``172.24.4.1`` of the first start's ``public``) and has no uplink.

Routers default-route to it and floating IPs answer from it; whatever must reach guests from
outside (an SSH client, tempest) runs here (``nimbus netns exec``). It routes nothing: traffic
that reaches it goes no further, and the machine's own namespace is never on the path.
"""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.ip import Ip

# The fabric-side key of an external network's leg (a leg is keyed by a port id elsewhere).
LEG_PREFIX = "ext-"


@dataclass(frozen=True)
class ExtWant:
    network_id: str
    addresses: tuple[str, ...]   # address/prefix


def leg_key(network_id: str) -> str:
    return f"{LEG_PREFIX}{network_id}"


class Ext:
    def __init__(self, ip: Ip) -> None:
        self.ip = ip
        self.ns = ip.namespaces.ext

    def ensure(self) -> None:
        if self.ns not in self.ip.namespaces_here():
            self.ip.add_namespace(self.ns)
            self.ip.sysctl(self.ns, "net.ipv4.ip_forward", "0")

    def converge(self, wants: list[ExtWant]) -> None:
        lines: list[str] = []
        for want in wants:
            device = names.ext_leg(want.network_id)
            have = self.ip.addresses(self.ns, device)
            wanted = set(want.addresses)
            lines += [f"addr del {a} dev {device}" for a in sorted(have - wanted)]
            lines += [f"addr add {a} dev {device}" for a in sorted(wanted - have)]
            lines.append(f"link set {device} up")
        self.ip.batch(self.ns, lines)
