"""What a machine's network agent says of itself at each sync, as Neutron's agents do: one
record per agent type it plays (they are one process here), with what each serves."""

from __future__ import annotations

from nimbus.network.drivers.linux.plan import Plan
from nimbus.network.manager.agents import AgentReport

ZONE = "nova"


def reports(plan: Plan | None, network_node: bool = True) -> list[AgentReport]:
    """The agents of a host: a compute host that is not a network node runs only the Linux
    bridge agent."""
    found = _reports(plan)
    return found if network_node else found[-1:]


def _reports(plan: Plan | None) -> list[AgentReport]:
    networks = len(plan.dhcp) if plan is not None else 0
    routers = len(plan.l3.routers) if plan is not None else 0
    floating = sum(len(r.floating) for r in plan.l3.routers.values()) if plan else 0
    devices = len(plan.fabric.taps) if plan is not None else 0
    return [
        AgentReport("DHCP agent", "neutron-dhcp-agent", "dhcp_agent", ZONE,
                    {"dhcp_driver": "dnsmasq", "networks": networks}),
        AgentReport("L3 agent", "neutron-l3-agent", "l3_agent", ZONE,
                    {"agent_mode": "legacy", "routers": routers, "floating_ips": floating,
                     "ipv6_ra": "radvd"}),
        AgentReport("Metadata agent", "neutron-metadata-agent", "N/A", None,
                    {"metadata_proxy": "in each router's namespace"}),
        AgentReport("Linux bridge agent", "neutron-linuxbridge-agent", "N/A", None,
                    {"devices": devices, "firewall": "nftables"}),
    ]
