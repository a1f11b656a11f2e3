"""Host weighers: higher is better; the scheduler sums them and takes the best host."""

from __future__ import annotations

from typing import Any, Protocol

from nimbus.compute.scheduler.filters import HostState


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


def default_weighers() -> list[Weigher]:
    return [RamWeigher(), CpuWeigher()]


def rank(hosts: list[HostState], spec: dict[str, Any], weighers: list[Weigher]) -> list[HostState]:
    def score(host: HostState) -> float:
        return sum(w.multiplier * w.weigh(host, spec) for w in weighers)

    # Ties go to the host name so that the choice is reproducible in tests.
    return sorted(hosts, key=lambda h: (-score(h), h.host))
