"""Cinder's filter scheduler: which backend a new volume, group or migrating volume goes to.

Every volume agent reports its backend's capabilities with each heartbeat (``agent/backend.py``;
the service registry keeps them), as Cinder's volume services report theirs to the scheduler.
What was placed since a report counts against the backend's free space (Cinder's
``consume_from_volume``), so that a burst of creates sees the space it takes. The filters are
Cinder's defaults, in its order: the availability zone, the capacity, and the capabilities the
volume type's extra specs ask for (``extra_specs.py``). The survivors are weighed by their free
space (Cinder's CapacityWeigher, thin backends by what over-subscription leaves); ties go to the
backend holding the fewest GiB, then to the first by name, so that placement is stable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.core.registry import Registry
from nimbus.volume.constants import BINARY
from nimbus.volume.db import backends as db_backends
from nimbus.volume.manager import extra_specs, hosts

LOG = logging.getLogger(__name__)
Record = dict[str, Any]
INFINITE = float("inf")


@dataclass
class Request:
    """What the volume needs: its size, its zone (None: any), its type's extra specs, the one
    backend it must go to (a clone or a volume from a snapshot stays with its source), and
    backends it must not go to (frozen ones, the one a migration leaves)."""

    size: int = 0
    zone: str | None = None
    specs: dict[str, str] = field(default_factory=dict)
    only: str | None = None
    skip: Collection[str] = ()


@dataclass
class _Report:
    capabilities: Record
    # When the heartbeat that brought it was written.
    at: float
    # GiB placed here since the report, not in it yet.
    consumed: int = 0


def _number(value: Any) -> float:
    """A capacity as a number: ``infinite`` and ``unknown`` are unbounded, as in Cinder."""
    if isinstance(value, str) and value.lower() in ("infinite", "unknown", ""):
        return INFINITE
    try:
        return float(value)
    except (TypeError, ValueError):
        return INFINITE


def free_gb(caps: Record, consumed: int = 0) -> float:
    """The GiB a backend can still give: its free space less its reserve, or for a thin one
    what its over-subscription ratio still allows, whichever is less."""
    total = _number(caps.get("total_capacity_gb"))
    free = _number(caps.get("free_capacity_gb"))
    if total == INFINITE or free == INFINITE:
        return INFINITE
    reserved = total * float(caps.get("reserved_percentage") or 0) / 100
    room = free - reserved - consumed
    if caps.get("thin_provisioning_support"):
        ratio = _number(caps.get("max_over_subscription_ratio") or 1)
        provisioned = _number(caps.get("provisioned_capacity_gb") or 0)
        if ratio != INFINITE and provisioned != INFINITE:
            room = min(total * ratio - provisioned - consumed, free * ratio - reserved)
    return room


class Scheduler:
    def __init__(self, database: Database, registry: Registry) -> None:
        self.db = database
        self.registry = registry
        self._reports: dict[str, _Report] = {}
        self._lock = threading.Lock()

    # -- what the backends report ---------------------------------------------------------------
    def reports(self, ctx: dict[str, Any]) -> dict[str, Record]:
        """Each backend that is up and enabled, to the capabilities of its last heartbeat less
        what was placed on it since. One that has reported none yet (its agent is starting)
        is taken as unbounded with no capabilities: it takes volumes that ask for none."""
        found: dict[str, Record] = {}
        for rec in self.registry.list(BINARY):
            if not rec["up"] or rec["disabled"]:
                continue
            backend = str(rec["host"])
            caps = dict(rec.get("details") or {})
            with self._lock:
                report = self._reports.get(backend)
                if report is None or report.at != rec["updated_at"].timestamp():
                    # A new report counts everything placed before it.
                    report = _Report(caps, rec["updated_at"].timestamp())
                    self._reports[backend] = report
                consumed = report.consumed
            found[backend] = {**caps, "free_gb": free_gb(caps, consumed)}
        return found

    def zones(self, ctx: dict[str, Any]) -> set[str]:
        """The availability zones of the backends that are up."""
        return {str(caps.get("availability_zone") or "nova")
                for caps in self.reports(ctx).values()}

    def consume(self, backend: str, size: int) -> None:
        with self._lock:
            report = self._reports.get(db_backends.backend_of(backend))
            if report is not None:
                report.consumed += size

    # -- choosing -------------------------------------------------------------------------------
    def candidates(self, ctx: dict[str, Any], request: Request) -> list[str]:
        """The backends that pass every filter, best first."""
        reports = self.reports(ctx)
        passed = []
        for backend, caps in reports.items():
            reason = self._refusal(backend, caps, request)
            if reason:
                LOG.debug("backend %s is not for this volume: %s", backend, reason)
                continue
            passed.append(backend)
        if not passed:
            return []
        with self.db.reader() as s:
            held = {b: sum(v[1] for v in db_backends.usage(s, b).values()) for b in passed}
        return sorted(passed, key=lambda b: (-reports[b]["free_gb"], held[b], b))

    def select(self, ctx: dict[str, Any], request: Request) -> str | None:
        """The volume host ``host@backend#pool`` for the request, its size counted against
        it; None when no backend passes."""
        found = self.candidates(ctx, request)
        if not found:
            LOG.info("no backend passes the filters for %s", request)
            return None
        self.consume(found[0], request.size)
        return hosts.with_pool(found[0])

    def passes(self, ctx: dict[str, Any], backend: str, request: Request) -> bool:
        """Whether ``backend`` (``host@backend[#pool]``) passes the filters for the request."""
        caps = self.reports(ctx).get(db_backends.backend_of(backend))
        return caps is not None and not self._refusal(db_backends.backend_of(backend), caps,
                                                      request)

    @staticmethod
    def _refusal(backend: str, caps: Record, request: Request) -> str | None:
        if backend in request.skip:
            return "excluded (frozen, or the volume leaves it)"
        if request.only and db_backends.backend_of(request.only) != backend:
            return f"the volume must go to {request.only}"
        zone = str(caps.get("availability_zone") or "nova")
        if request.zone and request.zone != zone:
            return f"it is in zone {zone}, not {request.zone}"
        if caps.get("backend_state", "up") != "up":
            return "it reports itself down"
        if caps["free_gb"] < request.size:
            return f"{caps['free_gb']:.1f} GiB free, {request.size} asked"
        unmet = extra_specs.unmet(caps, request.specs)
        if unmet:
            return f"it lacks the capability {unmet}"
        return None
