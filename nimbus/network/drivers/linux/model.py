"""What the linux driver realises, as plain records: the agent reads them from the database
(``agent/topology.py``) and the data-plane modules here make the machine match them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NetworkRec:
    id: str
    project_id: str
    mtu: int
    external: bool
    admin_up: bool
    # The VXLAN network identifier that carries it between hosts.
    vni: int = 0


@dataclass(frozen=True)
class SubnetRec:
    id: str
    network_id: str
    ip_version: int
    cidr: str
    gateway_ip: str | None
    enable_dhcp: bool
    dns_nameservers: tuple[str, ...]
    host_routes: tuple[tuple[str, str], ...]
    # IPv6 only: how the router advertises the subnet (``slaac``, ``dhcpv6-stateless``,
    # ``dhcpv6-stateful``) and how guests take their addresses.
    ipv6_ra_mode: str | None = None
    ipv6_address_mode: str | None = None


@dataclass(frozen=True)
class PortRec:
    id: str
    project_id: str
    network_id: str
    mac: str
    owner: str
    device_id: str
    host: str
    admin_up: bool
    status: str
    vif_type: str
    port_security: bool
    security_groups: tuple[str, ...]
    allowed_pairs: tuple[tuple[str, str], ...]
    extra_dhcp_opts: tuple[tuple[str, str, int], ...]
    # (subnet id, address)
    ips: tuple[tuple[str, str], ...]
    # Hosts it has an inactive binding to (a live migration's destination plugs it early).
    also_on: tuple[str, ...] = ()
    # A trunk's subport: its parent port, and the VLAN that carries it on the parent's tap.
    parent: str = ""
    vlan: int = 0
    # Its QoS policy's bandwidth limits: (direction, max_kbps, max_burst_kbps).
    limits: tuple[tuple[str, int, int], ...] = ()
    # Its QoS policy's DSCP mark for what the guest sends (None: left as the guest set it).
    dscp: int | None = None
    # The hostname of each of ``ips`` in the cloud's DNS domain (``dns_assignment``).
    hostnames: tuple[str, ...] = ()
    # MAC learning: the guest may send from MAC addresses besides its own (nested guests, a
    # bridge inside it), which the network's bridge then learns; its IP addresses still hold.
    mac_learning: bool = False


@dataclass(frozen=True)
class RouterRec:
    id: str
    admin_up: bool
    gw_port_id: str | None
    enable_snat: bool
    routes: tuple[tuple[str, str], ...]
    project_id: str = ""


@dataclass(frozen=True)
class MeterRuleRec:
    direction: str
    excluded: bool
    remote_ip_prefix: str | None
    source_ip_prefix: str | None
    destination_ip_prefix: str | None


@dataclass(frozen=True)
class MeterRec:
    """A metering label and its rules; it counts on its project's routers (every router's,
    when shared)."""

    label_id: str
    project_id: str
    shared: bool
    rules: tuple[MeterRuleRec, ...]


@dataclass(frozen=True)
class FloatingRec:
    id: str
    floating_ip: str
    floating_network_id: str
    fixed_ip: str | None
    port_id: str | None
    router_id: str | None


@dataclass(frozen=True)
class ForwardRec:
    """A port forwarding: ``floating_ip`` ports ``external`` to ``fixed`` ports ``internal``
    (each a first and last port), through ``router_id``."""

    floating_ip: str
    router_id: str
    protocol: str
    external: tuple[int, int]
    fixed: str
    internal: tuple[int, int]


@dataclass(frozen=True, order=True)
class HelperRec:
    """A router's conntrack helper: new connections to ``port`` over ``protocol`` through
    ``router_id`` are followed by the kernel's ``helper``."""

    router_id: str
    protocol: str
    port: int
    helper: str


@dataclass(frozen=True)
class RuleRec:
    group_id: str
    direction: str
    ethertype: str
    protocol: str | None
    port_min: int | None
    port_max: int | None
    remote_ip_prefix: str | None
    remote_group_id: str | None
    # Its remote end as an address group: the group's prefixes (``Topology.address_groups``).
    remote_address_group_id: str | None = None


@dataclass
class Topology:
    networks: dict[str, NetworkRec] = field(default_factory=dict)
    subnets: dict[str, SubnetRec] = field(default_factory=dict)
    ports: dict[str, PortRec] = field(default_factory=dict)
    routers: dict[str, RouterRec] = field(default_factory=dict)
    floating_ips: dict[str, FloatingRec] = field(default_factory=dict)
    rules: list[RuleRec] = field(default_factory=list)
    forwards: list[ForwardRec] = field(default_factory=list)
    meters: list[MeterRec] = field(default_factory=list)
    helpers: list[HelperRec] = field(default_factory=list)
    # Each address group's prefixes, by its id.
    address_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def subnets_of(self, network_id: str) -> list[SubnetRec]:
        return [s for s in self.subnets.values() if s.network_id == network_id]

    def ports_of(self, network_id: str) -> list[PortRec]:
        return [p for p in self.ports.values() if p.network_id == network_id]
