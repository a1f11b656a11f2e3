"""Choosing hosts: the filters and weighers over the shared host view, one server's claim in
Placement with its fallbacks, and the account of a failure (``explain.py``).

Placement decides every claim. A claim carries the consumer's generation (none for a new
server), and a refused claim (another scheduler took the room meanwhile) sends the request to
its next best host. The shared view only decides where to try first (``host_states.py``).
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.compute.db import host_load
from nimbus.compute.db import server_groups as groups_db
from nimbus.compute.manager import port_resources
from nimbus.compute.manager.claims import resources_of
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.scheduler import hints
from nimbus.compute.scheduler.explain import describe, run_filters
from nimbus.compute.scheduler.filters import HostState, Supported, default_filters, group_of
from nimbus.compute.scheduler.host_states import MAX_AGE, HostStates, HostView
from nimbus.compute.scheduler.weighers import default_weighers, rank
from nimbus.conf.compute import ComputeSettings
from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict, ConsumerGenerationConflict, NoValidHost

LOG = logging.getLogger("nimbus.compute.scheduler.manager")
NOT_ENOUGH = "There are not enough hosts available."
# Hosts one request chooses among when there are more (a random sample, plus the hosts the
# request names); all of them when the sample has none that fits.
SAMPLE = 16
# Best hosts whose claim is tried before a request reads a fresh view and tries again.
CLAIM_TRIES = 8


def claimed(spec: dict[str, Any]) -> dict[str, int]:
    """What a server claims in Placement: its flavor's resources, without the zero ones."""
    return {rc: n for rc, n in resources_of(spec["flavor"]).items() if n > 0}


class HostChooser:
    def __init__(self, db: Database, placement: PlacementClient, hosts: HostManager,
                 supported: tuple[Supported, ...], max_age: float = MAX_AGE,
                 settings: ComputeSettings | None = None) -> None:
        self.db = db
        self.placement = placement
        self.host_states = HostStates(placement, hosts, supported, max_age, db=db)
        self.filters = default_filters(settings.enabled_filters if settings else None)
        self.weighers = default_weighers(settings)
        self.subset_size = max(1, settings.host_subset_size if settings else 1)

    # -- choosing --------------------------------------------------------------------------
    def with_group(self, spec: dict[str, Any], instance_uuid: str) -> dict[str, Any]:
        """The spec with its group's policy and members' hosts as they are now (the server
        itself left out), for the group filters and weighers."""
        work = dict(spec)
        group_uuid = spec.get("group")
        found = groups_db.placement_of(self.db, str(group_uuid), instance_uuid) \
            if group_uuid else None
        if found is not None:
            work["instance_group"] = {"uuid": found.uuid, "policy": found.policy,
                                      "rules": found.rules, "hosts": found.hosts}
        return work

    def prepared(self, spec: dict[str, Any], instance_uuid: str) -> dict[str, Any]:
        """The spec with what its filters look up once per request: its group (``with_group``)
        and where the servers its ``same_host`` / ``different_host`` hints name run."""
        work = self.with_group(spec, instance_uuid)
        named = hints.servers_named(spec)
        if named:
            found = host_load.hosts_of(self.db, [u for uuids in named.values() for u in uuids])
            work["hinted_hosts"] = hints.where(named, found)
        return work

    def ranked(self, view: HostView, spec: dict[str, Any], everyone: bool) -> list[HostState]:
        """The hosts that pass every filter, best first: of a sample, or of every host when
        ``everyone`` or when the sample has none. Call under ``host_states.lock``."""
        wanted = resources_of(spec["flavor"])
        named = set(group_of(spec).get("hosts") or {}) | {
            str(spec.get("force_host") or spec.get("requested_host") or "")}
        named |= set(hints.hinted_hosts(spec, "same_host") or {})
        states = self.host_states
        records = view.hosts if everyone else states.sample(view, SAMPLE, named)
        passed, _ = run_filters([states.state_of(r, wanted) for r in records], spec,
                                self.filters)
        if not passed and len(records) < len(view.hosts):
            passed, _ = run_filters([states.state_of(r, wanted) for r in view.hosts], spec,
                                    self.filters)
        return self.pick(rank(passed, spec, self.weighers))

    def pick(self, ranked: list[HostState]) -> list[HostState]:
        """``ranked`` with one of its ``host_subset_size`` best, at random, first."""
        if self.subset_size <= 1 or len(ranked) <= 1:
            return ranked
        chosen = random.choice(ranked[:self.subset_size])
        return [chosen, *(h for h in ranked if h is not chosen)]

    def reserve(self, view: HostView, host: HostState, spec: dict[str, Any],
                sign: int = 1) -> None:
        """Count a claim on ``host`` into the view (``sign`` -1: take it back out)."""
        with self.host_states.lock:
            self.host_states.consume(view, host.rp_uuid, claimed(spec), sign)

    def no_valid_host(self, view: HostView, spec: dict[str, Any],
                      instance_uuid: str | None) -> NoValidHost:
        """NoValidHost with the account of every filter over every host, logged as well."""
        wanted = resources_of(spec["flavor"])
        with self.host_states.lock:
            states = [self.host_states.state_of(r, wanted) for r in view.hosts]
            _, results = run_filters(states, spec, self.filters, explain=True)
        details = describe(results, len(view.hosts), spec)
        LOG.info("no valid host for instance %s: %s", instance_uuid or "(move)",
                 details.replace(":\n", ": ").replace("\n", "; "))
        return NoValidHost(reason=NOT_ENOUGH, details=details)

    def select_hosts(self, spec: dict[str, Any]) -> list[HostState]:
        """Candidate hosts for ``spec``, best first; raises NoValidHost when none fits."""
        started = time.monotonic()
        work = self.prepared(spec, str(spec.get("instance_uuid") or ""))
        view = self.host_states.view()
        with self.host_states.lock:
            hosts = self.ranked(view, work, everyone=True)
        if hosts:
            return hosts
        view = self.host_states.fresh(started)
        with self.host_states.lock:
            hosts = self.ranked(view, work, everyone=True)
        if not hosts:
            raise self.no_valid_host(view, work, spec.get("instance_uuid"))
        return hosts

    # -- claiming one server ---------------------------------------------------------------
    def claim_on(self, instance_uuid: str, host: HostState, spec: dict[str, Any],
                 read_generation: bool) -> None:
        """Make the server hold exactly ``host.allocation``; a new server must not exist in
        Placement yet, one that may hold something (recovery, a second choice) is claimed
        against the generation it has. Conflict when Placement refuses the room."""
        if spec.get("port_requests"):
            # The ports' bandwidth and packet rate, from the host's own NICs and agents.
            host.allocation = port_resources.claim_for(self.placement, claimed(spec),
                                                       spec["port_requests"], host.rp_uuid)
        generation = self.placement.consumer_generation(instance_uuid) \
            if read_generation else None
        try:
            self.placement.replace_allocations(instance_uuid, host.allocation,
                                               spec["project_id"], spec["user_id"], generation)
        except ConsumerGenerationConflict:
            # Someone else wrote the consumer since (a message delivered again to another
            # scheduler): claim against what it is now; the server's row decides who wins.
            self.placement.replace_allocations(
                instance_uuid, host.allocation, spec["project_id"], spec["user_id"],
                self.placement.consumer_generation(instance_uuid))

    def claim(self, instance_uuid: str, spec: dict[str, Any], started: float,
              read_generation: bool) -> tuple[HostState, HostView]:
        """Choose and claim the best host that Placement agrees to; NoValidHost when none."""
        states = self.host_states
        refused: list[str] = []
        # The second round reads a view newer than the request, or than the refusals it met.
        since = started
        for fresh in (False, True):
            view = states.fresh(since) if fresh else states.view()
            with states.lock:
                ranked = self.ranked(view, spec, everyone=fresh)
            if not ranked:
                if fresh:
                    raise self.no_valid_host(view, spec, instance_uuid)
                continue
            for host in ranked[:CLAIM_TRIES]:
                self.reserve(view, host, spec)
                try:
                    self.claim_on(instance_uuid, host, spec, read_generation)
                    return host, view
                except Conflict as exc:
                    self.reserve(view, host, spec, -1)
                    states.mark_stale()
                    since = time.monotonic()
                    refused.append(f"{host.host}: {exc.message}")
                    LOG.info("claim on %s for %s refused (%s); trying the next host",
                             host.host, instance_uuid, exc.message)
        details = "Placement refused every claim:\n" + "\n".join(refused)
        LOG.info("no valid host for instance %s: %s", instance_uuid, details)
        raise NoValidHost(reason=NOT_ENOUGH, details=details)
