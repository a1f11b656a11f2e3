"""Host weighers: higher is better; the scheduler sums them and takes the best host."""

from __future__ import annotations

from typing import Any, Protocol

from nimbus.compute.scheduler.filters import HostState, group_of


class Weigher(Protocol):
    multiplier: float

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float: ...


class RamWeigher:
    """Spread: prefer the host with the most free memory."""

    multiplier = 1.0

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        capacity = max(1, int((host.resources.get("MEMORY_MB") or {}).get("capacity", 1)))
        return host.free("MEMORY_MB") / capacity


class CpuWeigher:
    multiplier = 1.0

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        capacity = max(1, int((host.resources.get("VCPU") or {}).get("capacity", 1)))
        return host.free("VCPU") / capacity


# The spreading weighers above give at most 1 each; a soft policy must win over them whenever
# some host honours it (that is what the group asked for), so one member already on (or away
# from) a host outweighs any difference in free capacity.
SOFT_POLICY_MULTIPLIER = 10.0


class ServerGroupSoftAffinityWeigher:
    """soft-affinity: the more of the group's members a host runs, the better."""

    multiplier = SOFT_POLICY_MULTIPLIER

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        group = group_of(spec)
        if group.get("policy") != "soft-affinity":
            return 0.0
        return float((group.get("hosts") or {}).get(host.host, 0))


class ServerGroupSoftAntiAffinityWeigher:
    """soft-anti-affinity: the more of the group's members a host runs, the worse."""

    multiplier = SOFT_POLICY_MULTIPLIER

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        group = group_of(spec)
        if group.get("policy") != "soft-anti-affinity":
            return 0.0
        return -float((group.get("hosts") or {}).get(host.host, 0))


def default_weighers() -> list[Weigher]:
    return [RamWeigher(), CpuWeigher(), ServerGroupSoftAffinityWeigher(),
            ServerGroupSoftAntiAffinityWeigher()]


def rank(hosts: list[HostState], spec: dict[str, Any], weighers: list[Weigher]) -> list[HostState]:
    def score(host: HostState) -> float:
        return sum(w.multiplier * w.weigh(host, spec) for w in weighers)

    # Ties go to the host name so that the choice is reproducible in tests.
    return sorted(hosts, key=lambda h: (-score(h), h.host))
