"""The data-plane driver contract: what the network service asks the machine to do.

The manager owns the model (networks, addresses, routers, rules) and calls a driver after each
change has been committed, with plain JSON-safe dicts shaped like the API's resources. A driver
never sees a request and never touches the database. A real driver (Linux bridges, namespaces,
nftables, dnsmasq) reaches the hosts through agents; the fake one only records what it was asked.

A driver class is built with the typed ``network`` settings group (``NetworkSettings``).
Every method may raise ``NimbusError``; anything else is a driver bug. Methods other than
``bind_port`` are notifications: the model change has happened whatever they do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from nimbus.core.bus.rpc import Bus

#: Told when a port bound as not yet wired is up on its host (True) or could not be (False).
WiringListener = Callable[[str, bool], None]


class NetworkDriver(ABC):
    """One data-plane backend."""

    #: A short name, e.g. ``fake`` or ``linuxbridge``.
    name: str = "base"
    #: The ``binding:vif_type`` ports get when this driver binds them.
    vif_type: str = "ovs"
    #: The driver runs DHCP servers and wants a ``network:dhcp`` port per network.
    supports_dhcp: bool = False
    #: Routers are realised (forwarding, SNAT between interfaces and gateway).
    supports_l3: bool = False
    #: Security-group rules are enforced on ports.
    supports_security_groups: bool = False
    #: Floating IPs are NATed to their fixed IPs.
    supports_floating_ips: bool = False
    #: Agents on the hosts realise the model (and report themselves, and host routers and
    #: networks): the agent and agent-scheduler extensions mean something.
    has_agents: bool = False

    _wiring_listener: WiringListener | None = None

    def connect(self, bus: Bus, prefix: str,  # noqa: B027 - optional hook
                hosts: int = 1) -> None:
        """The bus (to reach agents), the cloud's name prefix and how many hosts this
        machine plays, once at start."""

    def port_bound(self, port: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """``port`` is bound to its host and committed: a driver with agents tells them."""

    def set_wiring_listener(self, listener: WiringListener) -> None:
        """The manager's callback for ``port_wired``."""
        self._wiring_listener = listener

    def port_wired(self, port_id: str, ok: bool = True) -> None:
        """Report that a port ``bind_port`` left unwired is now up on its host (or failed):
        the port turns ACTIVE (or ERROR) and compute hears ``network-vif-plugged``."""
        if self._wiring_listener is not None:
            self._wiring_listener(port_id, ok)

    @abstractmethod
    def create_network(self, network: dict[str, Any]) -> None:
        """Prepare the L2 segment of ``network`` (a network view dict)."""

    @abstractmethod
    def delete_network(self, network: dict[str, Any]) -> None:
        """Tear the segment down; called once no ports remain."""

    @abstractmethod
    def bind_port(self, port: dict[str, Any], host: str) -> dict[str, Any] | None:
        """Make ``port`` usable on ``host``.

        Returns ``{"vif_type": str, "vif_details": dict}`` when bound, or None when this driver
        cannot bind on that host (the port then shows ``binding_failed``). Binding must be
        idempotent: the same port may be bound to the same host again. A driver whose host
        wires the port later adds ``"wired": False``: the port stays DOWN until the driver
        calls ``port_wired``.
        """

    @abstractmethod
    def unbind_port(self, port: dict[str, Any]) -> None:
        """Forget the port's host plumbing (host changed, cleared or the port is deleted)."""

    @abstractmethod
    def update_port(self, port: dict[str, Any]) -> None:
        """Apply changed addresses, security groups or admin state of a bound port."""

    @abstractmethod
    def sync_dhcp(self, network: dict[str, Any], subnets: list[dict[str, Any]],
                  ports: list[dict[str, Any]]) -> None:
        """Make the network's DHCP server hand out exactly ``ports``' addresses on ``subnets``."""

    def hosting_changed(self, kind: str, resource_id: str) -> None:  # noqa: B027 - optional
        """An admin gave a ``router`` or ``network`` to another agent, or took it from one:
        drivers with agents have them look again."""

    @abstractmethod
    def sync_router(self, router: dict[str, Any], interfaces: list[dict[str, Any]],
                    gateway: dict[str, Any] | None) -> None:
        """Make ``router`` route between its interface ports, SNAT through ``gateway`` (a port)."""

    @abstractmethod
    def delete_router(self, router: dict[str, Any]) -> None:
        """Remove every trace of the router from the machine."""

    @abstractmethod
    def sync_security_group(self, group: dict[str, Any]) -> None:
        """Apply the group's rules (``group["security_group_rules"]``) to its member ports."""

    @abstractmethod
    def delete_security_group(self, group: dict[str, Any]) -> None:
        """The group is gone; no port uses it any more."""

    @abstractmethod
    def sync_floating_ip(self, floatingip: dict[str, Any]) -> None:
        """NAT the floating address to ``fixed_ip_address``, or stop when ``port_id`` is None."""
