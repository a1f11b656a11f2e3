"""Filters on the scheduler hints that name other servers: ``same_host`` (on a host running
one of them) and ``different_host`` (on none running any of them).

Where those servers run is looked up once per request (``hints.where``), before the hosts are
filtered. A server that does not exist, or has no host yet, runs nowhere: ``same_host`` naming
only such servers leaves no host, as in Nova. A forced host skips these filters.
"""

from __future__ import annotations

from typing import Any, Protocol

from nimbus.compute.scheduler.hints import hinted_hosts, values


class HostState(Protocol):
    """What these filters read of a candidate (``filters.HostState``)."""

    @property
    def host(self) -> str: ...


def _named(spec: dict[str, Any], hint: str) -> str:
    return ", ".join(str(v) for v in values(spec, hint))


class SameHostFilter:
    """Hosts running at least one of the servers of the ``same_host`` hint."""

    name = "SameHostFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        found = hinted_hosts(spec, "same_host")
        return found is None or bool(spec.get("force_host")) or host.host in found

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return f"runs none of the servers of hint same_host ({_named(spec, 'same_host')})"


class DifferentHostFilter:
    """Hosts running none of the servers of the ``different_host`` hint."""

    name = "DifferentHostFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        found = hinted_hosts(spec, "different_host")
        return not found or bool(spec.get("force_host")) or host.host not in found

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        there = (hinted_hosts(spec, "different_host") or {}).get(host.host) or []
        return f"runs server(s) {', '.join(there)} of hint different_host"
