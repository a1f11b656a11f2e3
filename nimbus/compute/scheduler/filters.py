"""Host filters: each takes a candidate host and the request spec and says yes or no."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from nimbus.compute.constants import AGENT_BINARY

# Whether a binary is up on a host: (binary, host) -> bool.
IsUp = Callable[[str, str], bool]


@dataclass
class HostState:
    """One candidate: its host name, provider and Placement's view of its capacity."""

    host: str
    rp_uuid: str
    allocation: dict[str, Any]
    # {"VCPU": {"capacity": n, "used": m}, ...} from Placement's provider summary
    resources: dict[str, dict[str, int]] = field(default_factory=dict)

    def free(self, resource_class: str) -> int:
        item = self.resources.get(resource_class) or {}
        return int(item.get("capacity", 0)) - int(item.get("used", 0))


class HostFilter(Protocol):
    name: str

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool: ...


class ComputeFilter:
    """Only hosts whose compute agent is up and enabled."""

    name = "ComputeFilter"

    def __init__(self, is_up: IsUp) -> None:
        self.is_up = is_up

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        return self.is_up(AGENT_BINARY, host.host)


class RamFilter:
    name = "RamFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        if "MEMORY_MB" not in host.resources:
            return True
        return host.free("MEMORY_MB") >= int(spec["flavor"].get("ram", 0))


class DiskFilter:
    name = "DiskFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        if "DISK_GB" not in host.resources:
            return True
        return host.free("DISK_GB") >= int(spec["flavor"].get("disk", 0))


class ForcedHostFilter:
    """An admin's ``availability_zone: "nova:host"`` pins the server to that host."""

    name = "ForcedHostFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        forced = spec.get("force_host")
        return not forced or host.host == forced


def default_filters(is_up: IsUp) -> list[HostFilter]:
    return [ForcedHostFilter(), ComputeFilter(is_up), RamFilter(), DiskFilter()]
