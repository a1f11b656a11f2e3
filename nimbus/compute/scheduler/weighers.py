"""Host weighers, as Nova's: each gives every candidate a raw weight, the weights of one
weigher are scaled to 0..1 across the candidates (``normalize``), multiplied by the weigher's
multiplier (a setting) and summed; the highest sum wins. A negative multiplier makes a weigher
push hosts away (I/O under way, failed builds)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from nimbus.compute.scheduler.filters import HostState, group_of
from nimbus.conf.compute import ComputeSettings


class Weigher(Protocol):
    multiplier: float
    # The bounds the raw weights are scaled between (None: the lowest or highest one seen).
    minval: float | None
    maxval: float | None

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float: ...


def normalize(weights: Sequence[float], minval: float | None = None,
              maxval: float | None = None) -> list[float]:
    """``weights`` scaled to 0..1 between ``minval`` and ``maxval``; all 0 when those are
    equal (a weigher that tells the hosts apart in nothing changes no ranking)."""
    if not weights:
        return []
    low = float(min(weights) if minval is None else minval)
    high = float(max(weights) if maxval is None else maxval)
    if low == high:
        return [0.0] * len(weights)
    return [(w - low) / (high - low) for w in weights]


class _Weigher:
    multiplier = 1.0
    minval: float | None = None
    maxval: float | None = None

    def __init__(self, multiplier: float | None = None) -> None:
        if multiplier is not None:
            self.multiplier = multiplier


class RamWeigher(_Weigher):
    """Spread: the more free memory, the better."""

    minval: float | None = 0.0

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        return float(host.free("MEMORY_MB"))


class CpuWeigher(_Weigher):
    """Spread: the more free vCPUs, the better."""

    minval: float | None = 0.0

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        return float(host.free("VCPU"))


class DiskWeigher(_Weigher):
    """Spread: the more free disk, the better."""

    minval: float | None = 0.0

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        return float(host.free("DISK_GB"))


class IoOpsWeigher(_Weigher):
    """Servers being built, resized, migrated, snapshotted... on a host: with the default,
    negative, multiplier the busier host weighs less."""

    multiplier = -1.0
    minval: float | None = 0.0

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        return float(host.io_ops)


class BuildFailureWeigher(_Weigher):
    """Builds that failed in a row on a host push it down, far below any spreading difference,
    so that a broken host stops taking every new server (the multiplier is given as the
    penalty, positive, as Nova's ``build_failure_weight_multiplier``)."""

    multiplier = -1000000.0

    def __init__(self, multiplier: float | None = None) -> None:
        super().__init__(None if multiplier is None else -multiplier)

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        return float(host.failed_builds)


class ServerGroupSoftAffinityWeigher(_Weigher):
    """soft-affinity: the more of the group's members a host runs, the better."""

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        group = group_of(spec)
        if group.get("policy") != "soft-affinity":
            return 0.0
        return float((group.get("hosts") or {}).get(host.host, 0))


class ServerGroupSoftAntiAffinityWeigher(_Weigher):
    """soft-anti-affinity: the more of the group's members a host runs, the worse."""

    def weigh(self, host: HostState, spec: dict[str, Any]) -> float:
        group = group_of(spec)
        if group.get("policy") != "soft-anti-affinity":
            return 0.0
        return -float((group.get("hosts") or {}).get(host.host, 0))


def default_weighers(settings: ComputeSettings | None = None) -> list[Weigher]:
    """Every weigher, with the multipliers of ``settings``; one whose multiplier is 0 changes
    nothing and is left out."""
    conf = settings or ComputeSettings()
    weighers: list[Weigher] = [
        RamWeigher(conf.ram_weight_multiplier), CpuWeigher(conf.cpu_weight_multiplier),
        DiskWeigher(conf.disk_weight_multiplier), IoOpsWeigher(conf.io_ops_weight_multiplier),
        BuildFailureWeigher(conf.build_failure_weight_multiplier),
        ServerGroupSoftAffinityWeigher(conf.soft_affinity_weight_multiplier),
        ServerGroupSoftAntiAffinityWeigher(conf.soft_anti_affinity_weight_multiplier)]
    return [w for w in weighers if w.multiplier]


def scores(hosts: Sequence[HostState], spec: dict[str, Any],
           weighers: Iterable[Weigher]) -> list[float]:
    """Each host's weight: the sum over the weighers of multiplier x normalized raw weight."""
    total = [0.0] * len(hosts)
    for weigher in weighers:
        raw = [weigher.weigh(h, spec) for h in hosts]
        for i, value in enumerate(normalize(raw, weigher.minval, weigher.maxval)):
            total[i] += weigher.multiplier * value
    return total


def rank(hosts: list[HostState], spec: dict[str, Any], weighers: list[Weigher]) -> list[HostState]:
    """``hosts`` best first (one host needs no weighing)."""
    if len(hosts) <= 1:
        return list(hosts)
    weights = scores(hosts, spec, weighers)
    # Ties go to the host name so that the choice is reproducible in tests.
    order = sorted(range(len(hosts)), key=lambda i: (-weights[i], hosts[i].host))
    return [hosts[i] for i in order]
