"""What the scheduler knows of the hosts, shared by every request it handles.

Reading every compute service and Placement's view of every provider costs far more than
choosing a host (a fifth of a second for a thousand hosts), so the services are read at most
every ``max_age`` seconds and Placement's capacities every ``placement_age``, by one thread
while the others go on with the view they have, and what this scheduler claims meanwhile is
counted into it at once (``consume``). A stale view can
only make a claim fail, never make one wrong: Placement decides every claim, and a scheduler
whose claim is refused marks the view stale and tries its next host. A request that finds no
host at all reads a fresh view before it gives up, so a failure never rests on stale data.

Placement's capacities come from one allocation-candidates request for a single VCPU, whose
provider summaries cover every provider with room for any server at all; a host missing from
them has no free VCPU. The hosts' work under way (servers building, I/O-heavy tasks) is read
with the services, and the builds that failed on each with Placement's part.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nimbus.clients.placement import PlacementClient
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import host_load
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.scheduler.filters import DEFAULT_SUPPORTED, HostState, Supported
from nimbus.core.db.engine import Database

# Seconds a view serves before the compute services are read again (an operator disabling a
# host is seen within it), and before Placement's capacities are: what this scheduler claims
# is counted in as it goes, so only other schedulers' claims and deletes make them drift, and
# a failure or a refused claim reads them again at once.
MAX_AGE = 1.0
PLACEMENT_AGE = 10.0
# The smallest request any server makes: what the capacities are read with.
PROBE = {"VCPU": 1}


@dataclass
class HostRecord:
    """One compute host as the view holds it; ``resources`` is updated in place by claims."""

    name: str
    rp_uuid: str
    resources: dict[str, dict[str, int]]
    up: bool
    enabled: bool
    disabled_reason: str | None
    forced_down: bool
    # Counted up, too, as this scheduler sends builds there.
    io_ops: int = 0
    failed_builds: int = 0


@dataclass
class HostView:
    hosts: list[HostRecord]
    by_name: dict[str, HostRecord]
    # When the reading of its oldest part (Placement's) began, and of the services.
    read_at: float
    services_at: float
    by_rp: dict[str, HostRecord] = field(default_factory=dict)


class HostStates:
    def __init__(self, placement: PlacementClient, hosts: HostManager,
                 supported: tuple[Supported, ...] = DEFAULT_SUPPORTED,
                 max_age: float = MAX_AGE, placement_age: float = PLACEMENT_AGE,
                 clock: Callable[[], float] = time.monotonic,
                 db: Database | None = None) -> None:
        self.placement = placement
        self.hosts = hosts
        # Where the hosts' work under way is read (none: every host counts as idle).
        self.db = db
        self.supported = supported
        self.max_age = max_age
        self.placement_age = max(placement_age, max_age)
        self.clock = clock
        self._view: HostView | None = None
        # Placement's part, kept between readings of the services: provider uuids by host
        # name, capacities by provider uuid (the dicts claims are counted into), read when.
        self._providers: dict[str, str] = {}
        self._capacities: dict[str, dict[str, dict[str, int]]] = {}
        self._capacities_at: float | None = None
        self._failed_builds: dict[str, int] = {}
        self._stale = False
        self._reading = threading.Lock()
        # Guards the capacities: a host is chosen and its claim counted in under it, so two
        # requests never both count on the same free memory.
        self.lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    def view(self) -> HostView:
        """The current view; read again when it is too old or marked stale, unless another
        thread is reading it right now (then the old one serves until it is done)."""
        view = self._view
        if view is not None and not self._stale and \
                self.clock() - view.services_at < self.max_age:
            return view
        if view is not None and not self._reading.acquire(blocking=False):
            return view
        if view is None:
            self._reading.acquire()
        try:
            current = self._view
            if current is not None and current is not view and not self._stale:
                return current   # read by another thread while we waited
            return self._read(full=self._stale)
        finally:
            self._reading.release()

    def fresh(self, since: float) -> HostView:
        """A view read after ``since`` (one read meanwhile by another thread will do)."""
        with self._reading:
            current = self._view
            if current is not None and current.read_at >= since:
                return current
            return self._read(full=True)

    def mark_stale(self) -> None:
        """A claim was refused: read the view again before the next request uses it."""
        self._stale = True

    def _read(self, full: bool) -> HostView:
        """Read the services, and Placement's part too when ``full`` or when it is old."""
        started = self.clock()
        if full or self._capacities_at is None or \
                started - self._capacities_at >= self.placement_age:
            self._stale = False
            providers = {rp["name"]: rp["uuid"] for rp in self.placement.list_providers()}
            capacities = {
                rp_uuid: {rc: {"capacity": int(v.get("capacity", 0)),
                               "used": int(v.get("used", 0))}
                          for rc, v in ((summary or {}).get("resources") or {}).items()}
                for rp_uuid, summary in self.placement.provider_summaries(PROBE).items()}
            failed = host_load.failed_builds(self.db) if self.db is not None else {}
            with self.lock:
                self._providers, self._capacities = providers, capacities
                self._capacities_at = started
                self._failed_builds = failed
        services = [s for s in self.hosts.services() if s.binary == AGENT_BINARY]
        io_ops = host_load.io_ops(self.db) if self.db is not None else {}
        records = []
        for service in services:
            rp_uuid = self._providers.get(service.host, "")
            records.append(HostRecord(
                name=service.host, rp_uuid=rp_uuid,
                resources=self._capacities.setdefault(rp_uuid, {}) if rp_uuid else {},
                up=service.up, enabled=not service.disabled,
                disabled_reason=service.disabled_reason, forced_down=service.forced_down,
                io_ops=io_ops.get(service.host, 0),
                failed_builds=self._failed_builds.get(service.host, 0)))
        view = HostView(records, {r.name: r for r in records}, self._capacities_at or started,
                        started, {r.rp_uuid: r for r in records if r.rp_uuid})
        with self.lock:
            self._view = view
        return view

    # -- what requests see -----------------------------------------------------------------
    def state_of(self, record: HostRecord, wanted: dict[str, int]) -> HostState:
        """A candidate for one request (``wanted``: the resources it claims)."""
        # Placement takes no zero amounts (a flavor without disk claims no DISK_GB).
        claimed = {rc: amount for rc, amount in wanted.items() if amount > 0}
        allocation = {record.rp_uuid: {"resources": claimed}} if record.rp_uuid else {}
        return HostState(record.name, record.rp_uuid, allocation, record.resources,
                         up=record.up, enabled=record.enabled,
                         disabled_reason=record.disabled_reason,
                         forced_down=record.forced_down, supported_instances=self.supported,
                         io_ops=record.io_ops, failed_builds=record.failed_builds)

    @staticmethod
    def sample(view: HostView, size: int, named: set[str]) -> list[HostRecord]:
        """At most ``size`` hosts picked at random, plus every host the request names (its
        forced host, its group's hosts), as Placement's randomised, limited candidates are:
        choosing among a sample spreads as well as choosing among all, at a fraction of the
        cost. Every host when there are no more than ``size``."""
        if len(view.hosts) <= size:
            return list(view.hosts)
        picked = random.sample(view.hosts, size)
        seen = {r.name for r in picked}
        picked += [view.by_name[n] for n in sorted(named - seen) if n in view.by_name]
        return picked

    def consume(self, view: HostView, rp_uuid: str, wanted: dict[str, int],
                sign: int = 1) -> None:
        """Count a claim (``sign`` -1: a claim given back) into the view it was chosen from
        and into the current capacities, if Placement was read again meanwhile (its reading
        may have begun before the claim); call under ``lock``."""
        record = view.by_rp.get(rp_uuid)
        targets = [record.resources] if record is not None else []
        if record is not None:
            # A claim is a build (or a move) starting there: work under way.
            record.io_ops = max(0, record.io_ops + sign)
        current = self._capacities.get(rp_uuid)
        if current is not None and all(current is not t for t in targets):
            targets.append(current)
        for resources in targets:
            for rc, amount in wanted.items():
                item = resources.setdefault(rc, {"capacity": 0, "used": 0})
                item["used"] = int(item.get("used", 0)) + sign * amount
