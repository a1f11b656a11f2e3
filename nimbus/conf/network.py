"""Network settings."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class NetworkSettings:
    driver: str = "fake"
    # Seconds the fake driver takes to wire a bound port on its host (0: at once, as the port
    # is bound). Meanwhile the port is DOWN, and compute waits for its network-vif-plugged
    # event, as it waits for a real agent's.
    fake_wiring_delay: float = 0.0
    # The linux driver's agent converges on the model after every change and also every this
    # many seconds (a lost message costs one interval).
    resync_interval: float = 10.0
    # What a stopping network agent does with the namespaces it made: "clean" removes them,
    # "keep" leaves them for the guests that still run; "auto" cleans when the whole cloud
    # stops (nimbus up) and keeps when one agent does.
    on_stop: str = "auto"
    # The physical network each compute host's NIC is on, and what it has to guarantee, as
    # Neutron's agents report them to Placement (``resource_provider_bandwidths``,
    # ``resource_provider_packet_processing_without_direction``): minimum-bandwidth and
    # minimum-packet-rate rules are scheduled against these.
    physnet: str = "physnet1"
    nic_bandwidth_kbps: int = 1_000_000
    nic_packet_rate_kpps: int = 1_000_000
    # The conntrack helpers a router may be given (``l3-conntrack-helper``), each as
    # ``helper:protocol``, as Neutron's ``allowed_conntrack_helpers`` lists them (its defaults).
    # A helper the kernel lacks is refused by nft when the router is set up: the agent logs it
    # and the router works on without it.
    allowed_conntrack_helpers: list[str] = field(default_factory=lambda: [
        "amanda:tcp", "ftp:tcp", "h323:udp", "h323:tcp", "irc:tcp", "netbios-ns:udp",
        "pptp:tcp", "sane:tcp", "sip:udp", "sip:tcp", "snmp:udp", "tftp:udp"])
