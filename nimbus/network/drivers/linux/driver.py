"""The ``linux`` network driver, on the API side: it binds guest ports to taps and tells the
agents to converge after every change of the model.

The agents (``nimbus/network/agent``) do the work: Linux bridges and multi-queue taps in the
cloud's fabric namespace, dnsmasq per network, and (as they come) routers, NAT and security
groups in namespaces of their own. A port bound here stays DOWN until its agent has its tap in
place and reports it wired; compute waits for that ``network-vif-plugged`` before it starts the
guest, which then opens the tap by file descriptor.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.bus.rpc import Bus
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.drivers.linux import names
from nimbus.network.rpcapi import NetworkAgentAPI


class LinuxDriver(NetworkDriver):
    name = "linux"
    vif_type = "tap"
    supports_dhcp = True
    supports_l3 = True
    supports_security_groups = True
    supports_floating_ips = True
    has_agents = True

    def __init__(self, settings: Any = None) -> None:
        self.settings = settings
        self.agents: NetworkAgentAPI | None = None
        self.namespaces: names.Namespaces | None = None

    def connect(self, bus: Bus, prefix: str, hosts: int = 1) -> None:
        self.agents = NetworkAgentAPI(bus)
        # A machine that plays several hosts gives each its own fabric (``--compute-hosts``).
        self.namespaces = names.Namespaces(prefix, per_host=hosts > 1)

    def _kick(self) -> None:
        if self.agents is not None:
            self.agents.sync()

    # -- binding ----------------------------------------------------------------------------
    def bind_port(self, port: dict[str, Any], host: str) -> dict[str, Any] | None:
        if str(port.get("device_owner") or "").startswith("network:"):
            # The service's own ports (router, DHCP) are plugged by the agent, not bound.
            return {"vif_type": "unbound", "vif_details": {}}
        fabric = self.namespaces.fabric_of(host) if self.namespaces is not None else ""
        # A trunk's subport rides its parent's tap, as a VLAN device of its own.
        subport = port.get("device_owner") == "trunk:subport"
        return {"vif_type": self.vif_type, "wired": False, "vif_details": {
            "netns": fabric, "devname": names.port_device(str(port["id"]), subport),
            "bridge_name": names.bridge(str(port["network_id"])), "port_filter": False,
            "connectivity": "l2"}}

    def port_bound(self, port: dict[str, Any]) -> None:
        self._kick()

    def unbind_port(self, port: dict[str, Any]) -> None:
        self._kick()

    def update_port(self, port: dict[str, Any]) -> None:
        self._kick()

    # -- everything else: the agents look again ----------------------------------------------
    def create_network(self, network: dict[str, Any]) -> None:
        self._kick()

    def delete_network(self, network: dict[str, Any]) -> None:
        self._kick()

    def sync_dhcp(self, network: dict[str, Any], subnets: list[dict[str, Any]],
                  ports: list[dict[str, Any]]) -> None:
        self._kick()

    def sync_router(self, router: dict[str, Any], interfaces: list[dict[str, Any]],
                    gateway: dict[str, Any] | None) -> None:
        self._kick()

    def delete_router(self, router: dict[str, Any]) -> None:
        self._kick()

    def hosting_changed(self, kind: str, resource_id: str) -> None:
        self._kick()

    def sync_security_group(self, group: dict[str, Any]) -> None:
        self._kick()

    def delete_security_group(self, group: dict[str, Any]) -> None:
        self._kick()

    def sync_floating_ip(self, floatingip: dict[str, Any]) -> None:
        self._kick()


DRIVER = LinuxDriver
