"""The compute service's binaries and hosts: the service registry's records, what an operator
set on them (disabled, forced down) and the availability zone each host is in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from nimbus.compute.constants import AGENT_BINARY, DEFAULT_ZONE
from nimbus.compute.db import aggregates as aggregates_db
from nimbus.compute.db import services as db
from nimbus.compute.db.services import Service, record_id_of, record_uuid
from nimbus.compute.manager import aggregate_specs
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.core.db.models import ServiceRecord
from nimbus.core.registry import DOWN_AFTER, Registry

# The zone of every binary other than the compute agent (Nova's internal_service_availability_zone).
INTERNAL_ZONE = "internal"

__all__ = ["INTERNAL_ZONE", "HostManager", "Service", "record_id_of", "record_uuid"]


class HostManager:
    """Which nova-* binaries run where, whether each is up, enabled, forced down, and the
    availability zone and aggregate metadata of each compute host."""

    def __init__(self, registry: Registry, db: Database) -> None:
        self.registry = registry
        self.db = db

    # -- services --------------------------------------------------------------------------
    def _shape(self, rows: Iterable[ServiceRecord]) -> list[Service]:
        """Registry rows as services, with forced-down flags and zones in two queries."""
        rows = [r for r in rows if r.binary.startswith("nova-")]
        hosts = {r.host for r in rows}
        forced = db.forced_down(self.db, hosts)
        zones = aggregates_db.zones_of_hosts(self.db, hosts)
        now = utcnow()
        out = []
        for r in rows:
            is_forced = (r.binary, r.host) in forced
            zone = zones.get(r.host, DEFAULT_ZONE) if r.binary == AGENT_BINARY else INTERNAL_ZONE
            out.append(Service(
                id=r.id, binary=r.binary, host=r.host, disabled=bool(r.disabled),
                disabled_reason=r.disabled_reason, forced_down=is_forced,
                up=(now - r.updated_at) < DOWN_AFTER and not is_forced,
                updated_at=r.updated_at, zone=zone, details=dict(r.details or {})))
        return out

    def services(self) -> list[Service]:
        """Every compute binary, in the order they first registered."""
        return self._shape(db.all_records(self.db))

    def shaped(self, rows: Iterable[ServiceRecord]) -> list[Service]:
        """Rows a query of its own selected (a page of them), as services."""
        return self._shape(rows)

    def find(self, binary: str, host: str) -> Service | None:
        row = db.find_by_host(self.db, binary, host)
        return self._shape([row])[0] if row is not None else None

    def by_id(self, record_id: int) -> Service | None:
        row = db.find_record(self.db, record_id)
        if row is None or not row.binary.startswith("nova-"):
            return None
        return self._shape([row])[0]

    def by_uuid(self, value: str) -> Service | None:
        """The service a 2.53 id names, or None."""
        record_id = record_id_of(value)
        found = self.by_id(record_id) if record_id is not None else None
        return found if found is not None and found.uuid == value.lower() else None

    # -- liveness, for the scheduler and the API --------------------------------------------
    def is_up(self, binary: str, host: str) -> bool:
        """Whether ``binary`` on ``host`` heartbeats, is enabled and is not forced down (what
        the scheduler's ComputeFilter asks)."""
        return self.registry.is_up(binary, host) and (binary, host) not in db.forced_down(self.db, [host])

    def is_enabled(self, host: str) -> bool:
        """Whether new servers may go to ``host``: its compute service is neither disabled nor
        forced down (an unknown host is not)."""
        found = self.find(AGENT_BINARY, host)
        return found is not None and found.enabled

    def agent_up(self, host: str) -> bool:
        """Whether the compute agent of ``host`` heartbeats and is not forced down. A disabled
        agent still runs: it takes no new servers but still serves the ones it has."""
        found = self.find(AGENT_BINARY, host)
        return found is not None and found.up

    # -- zones and aggregates ---------------------------------------------------------------
    def zones(self) -> tuple[list[str], list[str]]:
        """The zones some enabled service is in, and those whose services are all disabled
        (Nova's available and unavailable zones), each sorted."""
        services = self.services()
        available = {s.zone for s in services if not s.disabled}
        unavailable = {s.zone for s in services if s.disabled} - available
        return sorted(available), sorted(unavailable)

    def available_zones(self) -> list[str]:
        """The zones a server may be asked for."""
        return self.zones()[0]

    def zone_lookup(self) -> Callable[[str], str]:
        """A host's zone, for many hosts in one request: the zones are read once, on the
        first call (never, when no server shown has a host)."""
        zones: dict[str, str] | None = None

        def lookup(host: str) -> str:
            nonlocal zones
            if zones is None:
                zones = aggregates_db.zones_of_hosts(self.db)
            return zones.get(host, DEFAULT_ZONE)

        return lookup

    def scheduling_aggregates(self, zone: str | None,
                              extra_specs: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
        """What the scheduler's aggregate filters need to know of the hosts for one request:
        for every host in an aggregate that sets a key they read (its zone when a zone is
        asked for, the keys the flavor's extra specs name, the tenant keys), those keys'
        values. Hosts in no such aggregate are left out: to the filters they have none."""
        keys, prefix = aggregate_specs.wanted_keys(zone, extra_specs)
        return aggregates_db.metadata_by_host(self.db, keys, prefix)
