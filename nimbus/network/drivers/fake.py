"""A driver that does nothing on the machine and remembers what it was asked."""

from __future__ import annotations

import threading
from typing import Any

from nimbus.conf.network import NetworkSettings
from nimbus.network.drivers.base import NetworkDriver


class FakeDriver(NetworkDriver):
    """Binds every port with ``vif_type`` ovs; records calls as ``(method, id)`` in ``calls``."""

    name = "fake"
    vif_type = "ovs"
    supports_dhcp = False
    supports_l3 = True
    supports_security_groups = True
    supports_floating_ips = True

    def __init__(self, settings: NetworkSettings | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.bound: dict[str, str] = {}
        self._lock = threading.Lock()
        #: Hosts the fake refuses to bind on, so tests can see ``binding_failed``.
        self.unbindable_hosts: set[str] = set()
        #: Seconds before a bound port is wired (0: bound is wired).
        self.wiring_delay = settings.fake_wiring_delay if settings is not None else 0.0

    def _record(self, method: str, ident: str) -> None:
        with self._lock:
            self.calls.append((method, ident))

    def create_network(self, network: dict[str, Any]) -> None:
        self._record("create_network", network["id"])

    def delete_network(self, network: dict[str, Any]) -> None:
        self._record("delete_network", network["id"])

    def bind_port(self, port: dict[str, Any], host: str) -> dict[str, Any] | None:
        self._record("bind_port", port["id"])
        if host in self.unbindable_hosts:
            return None
        self.bound[port["id"]] = host
        bound: dict[str, Any] = {
            "vif_type": self.vif_type,
            "vif_details": {"port_filter": True, "connectivity": "l2", "bridge_name": "br-int",
                            "datapath_type": "system"}}
        if self.wiring_delay > 0 and not str(port.get("device_owner", "")).startswith("network:"):
            # As an agent on the host would: the port comes up a little after it is bound.
            timer = threading.Timer(self.wiring_delay, self.port_wired, (port["id"], True))
            timer.daemon = True
            timer.start()
            bound["wired"] = False
        return bound

    def unbind_port(self, port: dict[str, Any]) -> None:
        self._record("unbind_port", port["id"])
        self.bound.pop(port["id"], None)

    def update_port(self, port: dict[str, Any]) -> None:
        self._record("update_port", port["id"])

    def sync_dhcp(self, network: dict[str, Any], subnets: list[dict[str, Any]],
                  ports: list[dict[str, Any]]) -> None:
        self._record("sync_dhcp", network["id"])

    def sync_router(self, router: dict[str, Any], interfaces: list[dict[str, Any]],
                    gateway: dict[str, Any] | None) -> None:
        self._record("sync_router", router["id"])

    def delete_router(self, router: dict[str, Any]) -> None:
        self._record("delete_router", router["id"])

    def sync_security_group(self, group: dict[str, Any]) -> None:
        self._record("sync_security_group", group["id"])

    def delete_security_group(self, group: dict[str, Any]) -> None:
        self._record("delete_security_group", group["id"])

    def sync_floating_ip(self, floatingip: dict[str, Any]) -> None:
        self._record("sync_floating_ip", floatingip["id"])


DRIVER = FakeDriver
