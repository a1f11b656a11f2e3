"""The compute service's binaries and hosts, as the service registry knows them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.constants import AGENT_BINARY
from nimbus.core.registry import Registry


class HostManager:
    """Which nova-* binaries run where, and whether a host's agent is up."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def services(self) -> list[dict[str, Any]]:
        """Every compute binary's registry record (``binary``, ``host``, ``up``...)."""
        return [r for r in self.registry.list() if r["binary"].startswith("nova-")]

    def is_up(self, binary: str, host: str) -> bool:
        return self.registry.is_up(binary, host)

    def agent_up(self, host: str) -> bool:
        """Whether the compute agent of ``host`` is up and enabled."""
        return self.registry.is_up(AGENT_BINARY, host)
