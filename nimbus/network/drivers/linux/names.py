"""The names of everything the linux driver makes, derived from the cloud and resource ids.

Every namespace starts with the cloud's prefix (``nimbus-<cloud id>``), so that two clouds on
one machine never meet and a cleanup finds exactly its own. Devices live inside those
namespaces only; their names follow Neutron's linuxbridge agent (``brq``/``tap`` and 11
characters of the id) and fit the kernel's 15.
"""

from __future__ import annotations

from dataclasses import dataclass

IFNAMSIZ = 15
_ID = 11


def _device(kind: str, resource_id: str) -> str:
    name = f"{kind}{resource_id[:_ID]}"
    assert len(name) <= IFNAMSIZ, name
    return name


def bridge(network_id: str) -> str:
    """The bridge of a network (in the fabric namespace)."""
    return _device("brq", network_id)


def tap(port_id: str) -> str:
    """A guest's port: a persistent multi-queue tap in the fabric namespace."""
    return _device("tap", port_id)


def subport(port_id: str) -> str:
    """A trunk's subport: the bridge end of a veth pair in the subport network's bridge,
    which carries the subport's VLAN of its parent's tap (``vlan_bpf``)."""
    return _device("sp-", port_id)


def subport_peer(port_id: str) -> str:
    """The other end of a subport's veth pair, loose in the fabric: the tap's frames of the
    subport's VLAN leave by it, untagged; what comes back in is tagged for the tap."""
    return _device("sq-", port_id)


def port_device(port_id: str, is_subport: bool) -> str:
    """The fabric device a guest port's frames pass: its tap, or a subport's VLAN device."""
    return subport(port_id) if is_subport else tap(port_id)


def shaper(port_id: str) -> str:
    """The ``ifb`` device that shapes what a guest's port sends (``shaping.py``)."""
    return _device("qi-", port_id)


def router_leg(port_id: str) -> str:
    """A router's interface (``qr-``) inside its router namespace."""
    return _device("qr-", port_id)


def gateway_leg(port_id: str) -> str:
    """A router's external gateway (``qg-``) inside its router namespace."""
    return _device("qg-", port_id)


def dhcp_leg(port_id: str) -> str:
    """A DHCP port (``ns-``) inside its DHCP namespace."""
    return _device("ns-", port_id)


def ext_leg(network_id: str) -> str:
    """The external namespace's address on an external network."""
    return _device("ex-", network_id)


def vxlan(network_id: str) -> str:
    """A network's VXLAN device on a host's fabric, which carries it to the other hosts."""
    return _device("vx-", network_id)


# The fabric's leg on the underlay (the wire between the hosts of one machine).
UNDERLAY_LEG = "ul0"


def fabric_end(port_id: str) -> str:
    """The fabric end of the veth that carries a router, DHCP or external port into the
    network's bridge."""
    return _device("fb", port_id)


@dataclass(frozen=True)
class Namespaces:
    """The namespace names of one cloud. ``per_host``: this machine plays several hosts, each
    with a fabric of its own, joined by the ``underlay``."""

    prefix: str
    per_host: bool = False

    @property
    def fabric(self) -> str:
        """Bridges and taps of the machine's one host."""
        return f"{self.prefix}-fabric"

    def fabric_of(self, host: str) -> str:
        """The fabric of ``host``: the machine's, or the host's own when it plays several."""
        return f"{self.prefix}-fabric-{host}" if self.per_host and host else self.fabric

    @property
    def underlay(self) -> str:
        """The wire between the hosts' fabrics: one bridge, which their VXLAN crosses."""
        return f"{self.prefix}-underlay"

    @property
    def ext(self) -> str:
        """The external networks' gateway side: no uplink, reachable only from here."""
        return f"{self.prefix}-ext"

    def router(self, router_id: str) -> str:
        return f"{self.prefix}-r-{router_id}"

    def dhcp(self, network_id: str) -> str:
        return f"{self.prefix}-d-{network_id}"

    def owns(self, name: str) -> bool:
        return name.startswith(f"{self.prefix}-")
