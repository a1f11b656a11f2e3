"""What ``/os-hosts`` tells of a compute host: its capacity, what is in use now, what its
servers' flavors add up to, and each project's share of that."""

from __future__ import annotations

from typing import Any

from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import services as db
from nimbus.compute.manager.hosts import HostManager, Service
from nimbus.compute.manager.hypervisors import Hypervisor, HypervisorManager
from nimbus.compute.schemas.hosts import resource
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError, NotFound


class HostNotManaged(NimbusError):
    """What the driver cannot do to a whole host: Nova's 501 for such host actions."""

    code = 501
    title = "Not Implemented"


def host_not_found(host: str) -> NotFound:
    return NotFound(f"Compute host {host} could not be found.", resource="host", id=host)


class HostResourceManager:
    def __init__(self, db: Database, hosts: HostManager, hypervisors: HypervisorManager,
                 host_actions: bool = False) -> None:
        self.db = db
        self.hosts = hosts
        self.hypervisors = hypervisors
        # Whether the driver takes power actions and maintenance mode for a whole host.
        self.host_actions = host_actions

    def listing(self, zone: str | None) -> list[Service]:
        """The enabled services, those of one zone when ``zone`` is given (blank: all)."""
        return [s for s in self.hosts.services()
                if not s.disabled and (not zone or s.zone == zone)]

    def compute_host(self, host: str) -> Service:
        found = self.hosts.find(AGENT_BINARY, host)
        if found is None:
            raise host_not_found(host)
        return found

    def resources(self, host: str) -> list[dict[str, Any]]:
        """Total, used now, the flavors' sum, then each project's sum (Nova's order)."""
        node = self.hypervisors.with_resources([Hypervisor(self.compute_host(host))])[0]
        have = node.resources
        lines = [resource(host, "(total)", have["vcpus"], have["memory_mb"], have["local_gb"]),
                 resource(host, "(used_now)", have["vcpus_used"], have["memory_mb_used"],
                          have["local_gb_used"])]
        per_project: dict[str, list[int]] = {}
        for project, flavor in db.flavors_on_host(self.db, host):
            sums = per_project.setdefault(project, [0, 0, 0])
            sums[0] += int(flavor.get("vcpus") or 0)
            sums[1] += int(flavor.get("ram") or 0)
            sums[2] += int(flavor.get("disk") or 0) + int(flavor.get("ephemeral") or 0)
        total = [sum(v[i] for v in per_project.values()) for i in range(3)]
        lines.append(resource(host, "(used_max)", *total))
        lines.extend(resource(host, project, *sums) for project, sums in per_project.items())
        return lines

    def set_enabled(self, host: str, enabled: bool) -> None:
        service = self.compute_host(host)
        self.hosts.registry.set_disabled(service.binary, service.host, not enabled, None)

    def power_action(self, host: str, action: str) -> None:
        """Start, stop or reboot a whole host: a simulated host takes it (nothing to do);
        a driver that manages no host's power is Nova's 501."""
        self.compute_host(host)
        if not self.host_actions:
            raise HostNotManaged(f"Virt driver does not implement host power management "
                                 f"({action}).")

    def maintenance(self, host: str, enable: bool) -> str:
        """Put a host in or out of maintenance; what it is now, in Nova's words."""
        self.compute_host(host)
        if not self.host_actions:
            raise HostNotManaged("Virt driver does not implement host maintenance mode.")
        return "on_maintenance" if enable else "off_maintenance"
