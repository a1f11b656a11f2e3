"""Filters on host aggregates: the availability zone asked for, the flavor's extra specs the
aggregates must satisfy, and aggregates kept for some projects only.

What they match against is the request spec's ``host_aggregates`` ({host: {key: [values]}}),
which the API reads when it records the server (``HostManager.scheduling_aggregates``): the
metadata, of the keys these filters read, of every host in an aggregate that sets one. A host
missing from it is in no such aggregate. A forced host skips these filters, as Nova's forced
hosts skip every filter.
"""

from __future__ import annotations

from typing import Any, Protocol

from nimbus.compute.constants import DEFAULT_ZONE
from nimbus.compute.manager.aggregate_specs import AZ_KEY, requirements, tenants_of
from nimbus.core.extra_specs_ops import matches


class HostState(Protocol):
    """What these filters read of a candidate (``filters.HostState``, which lists them)."""

    @property
    def host(self) -> str: ...


def metadata_of(host: HostState, spec: dict[str, Any]) -> dict[str, list[str]]:
    """The metadata of ``host``'s aggregates that the request's filters read."""
    found = (spec.get("host_aggregates") or {}).get(host.host) or {}
    return {str(k): [str(v) for v in values] for k, values in found.items()}


class AvailabilityZoneFilter:
    """Hosts in the zone asked for: a host's zone is its aggregates', or the default zone when
    none of them names one."""

    name = "AvailabilityZoneFilter"

    @staticmethod
    def zones(host: HostState, spec: dict[str, Any]) -> list[str]:
        return metadata_of(host, spec).get(AZ_KEY) or [DEFAULT_ZONE]

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        wanted = spec.get("availability_zone")
        if not wanted or spec.get("force_host"):
            return True
        return wanted in self.zones(host, spec)

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return (f"not in availability zone {spec.get('availability_zone')} (in "
                f"{', '.join(self.zones(host, spec))})")


class AggregateInstanceExtraSpecsFilter:
    """Hosts whose aggregates satisfy the flavor's unscoped extra specs and those scoped
    ``aggregate_instance_extra_specs:``, each by at least one of the values they give."""

    name = "AggregateInstanceExtraSpecsFilter"

    @staticmethod
    def unmet(host: HostState, spec: dict[str, Any]) -> list[str]:
        wanted = requirements((spec.get("flavor") or {}).get("extra_specs") or {})
        if not wanted:
            return []
        metadata = metadata_of(host, spec)
        return [key for key, requirement in wanted.items()
                if not any(matches(value, requirement) for value in metadata.get(key, []))]

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        return bool(spec.get("force_host")) or not self.unmet(host, spec)

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return f"aggregates do not satisfy extra spec(s) {', '.join(self.unmet(host, spec))}"


class AggregateMultiTenancyIsolation:
    """Hosts of aggregates whose ``filter_tenant_id*`` keys list projects take servers of
    those projects only."""

    name = "AggregateMultiTenancyIsolation"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        if spec.get("force_host"):
            return True
        allowed = tenants_of(metadata_of(host, spec))
        return not allowed or str(spec.get("project_id")) in allowed

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return "kept for other projects by its aggregates"
