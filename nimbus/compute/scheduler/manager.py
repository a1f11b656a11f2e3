"""The scheduler's RPC endpoint: choose a host (``chooser.py``), claim it in Placement, record
it on the server, cast the build.

Requests are taken from the bus on several threads (``scheduler_workers``); each hands its
server to a placer thread and waits, so that a message is still acknowledged only once its
server is handled. A placer takes every server waiting at that moment and places them
together: one query reads them, one transaction starts their events, each chooses its host in
turn over the shared view (counting in the hosts chosen before it), one Placement request
claims them all (all or nothing, each consumer new), one transaction records their hosts.
That is what makes a scheduler fast; what keeps it correct:

- Placement decides every claim. If it refuses a batch (another scheduler took some of the
  room meanwhile), each server of it is placed alone: its best host, then its next ones.
- A server is handled by one thread at a time (a message delivered again while it is being
  scheduled is dropped), and its host is written only while it is still waiting for one.
- A server in a group is placed alone, and a group's hard policy is checked again, as the last
  word, in the transaction that records the host, with the group's row locked
  (``db/server_groups.place_member``): two schedulers placing members of one anti-affinity
  group at the same moment cannot both win the same host, however stale their views. The
  loser chooses again. Within this process, members of one group are placed one at a time.

At start it takes up what a crash left behind (``recover``): servers still waiting for a host,
whose ``schedule_and_build`` message was lost, are scheduled again (a claim replaces whatever
allocation they held from before, and a server that fits nowhere gives it back), and deletes
of servers that never had a host are finished. It serves its topic first, so that no request
cast meanwhile is lost, and recovers on a thread of its own, but handles no message before
that is done, so the two never overlap.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_groups as groups_db
from nimbus.compute.db.models import Instance
from nimbus.compute.manager import claims
from nimbus.compute.manager.claims import resources_of
from nimbus.compute.manager.faults import fault_from
from nimbus.compute.manager.guests import request_spec_of
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.scheduler import hints
from nimbus.compute.scheduler.chooser import NOT_ENOUGH, HostChooser, claimed
from nimbus.compute.scheduler.filters import (
    DEFAULT_SUPPORTED,
    HostState,
    Supported,
    group_allows,
    group_of,
)
from nimbus.compute.scheduler.host_states import MAX_AGE
from nimbus.compute.scheduler.moves import MoveScheduler
from nimbus.compute.states import TaskState, VmState
from nimbus.conf.compute import ComputeSettings
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError, NoValidHost

__all__ = ["SchedulerManager", "resources_of"]

LOG = logging.getLogger(__name__)
# Servers one placer handles at once, and placers working at once (while one waits for
# Placement or the database, another chooses).
BATCH = 64
PLACERS = 2
# Seconds an idle placer waits for work before it ends (the next request starts one again).
IDLE = 5.0
# Times a group's policy may send a server back to choosing (another member took its host).
GROUP_RETRIES = 5
_GROUP_LOCKS = 64


def supported_by(hypervisor_type: str | None) -> tuple[Supported, ...]:
    """What the hosts of a driver run: the fake driver runs x86_64 guests wherever it is, a
    real one guests of the machine's own architecture."""
    if not hypervisor_type or hypervisor_type == "fake":
        return DEFAULT_SUPPORTED
    arch = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    return ((arch, hypervisor_type.lower(), "hvm"),)


@dataclass
class _Request:
    """One ``schedule_and_build``, from the bus thread that took it to the placer."""

    ctx: dict[str, Any]
    uuid: str
    spec: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)


class SchedulerManager:
    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"schedule_and_build", "schedule_move"})

    def __init__(self, db: Database, placement: PlacementClient, hosts: HostManager,
                 compute_rpc: ComputeAgentAPI,
                 local_delete: Callable[[Instance], None] | None = None, *,
                 hypervisor_type: str | None = None, max_age: float = MAX_AGE,
                 settings: ComputeSettings | None = None) -> None:
        self.db = db
        self.placement = placement
        self.compute_rpc = compute_rpc
        self.chooser = HostChooser(db, placement, hosts, supported_by(hypervisor_type),
                                   max_age, settings)
        self.host_states = self.chooser.host_states
        self.moves = MoveScheduler(db, placement, compute_rpc, self.select_hosts)
        # Finishes the delete of a server no agent will see (``ServerManager.local_delete``).
        self.local_delete = local_delete
        self._in_flight: set[str] = set()
        self._in_flight_lock = threading.Lock()
        self._group_locks = [threading.Lock() for _ in range(_GROUP_LOCKS)]
        self._queue: list[_Request] = []
        self._queued = threading.Condition()
        self._placers = 0
        # Set once the start-up recovery is done; messages wait for it.
        self.recovered = threading.Event()

    def select_hosts(self, spec: dict[str, Any]) -> list[HostState]:
        """Candidate hosts for ``spec``, best first; raises NoValidHost when none fits."""
        return self.chooser.select_hosts(spec)

    # -- RPC -------------------------------------------------------------------------------
    def schedule_and_build(self, ctx: dict[str, Any], instance_uuid: str,
                           request_spec: dict[str, Any]) -> None:
        self.recovered.wait()
        request = _Request(ctx, instance_uuid, request_spec)
        with self._queued:
            self._queue.append(request)
            self._queued.notify()
            if self._placers < PLACERS:
                self._placers += 1
                threading.Thread(target=self._placer, name="scheduler-placer",
                                 daemon=True).start()
        request.done.wait()

    def schedule_move(self, ctx: dict[str, Any], instance_uuid: str, action: str,
                      migration_uuid: str, request_spec: dict[str, Any]) -> None:
        """A host for a server that moves (see ``moves.py``)."""
        self.recovered.wait()
        with self._one_server(instance_uuid) as mine:
            if mine:
                self.moves.schedule_move(ctx, instance_uuid, action, migration_uuid,
                                         request_spec)

    # -- placers ---------------------------------------------------------------------------
    def _placer(self) -> None:
        while True:
            with self._queued:
                if not self._queue:
                    self._queued.wait(IDLE)
                if not self._queue:
                    self._placers -= 1
                    return
                batch, self._queue[:] = self._queue[:BATCH], self._queue[BATCH:]
            try:
                self._handle(batch)
            except Exception:
                LOG.exception("placing %d servers failed", len(batch))
            finally:
                for request in batch:
                    request.done.set()

    def _handle(self, batch: list[_Request]) -> None:
        """Place a batch: together those that may be, alone the others."""
        mine = [r for r in batch if self._take(r.uuid)]
        try:
            rows = db.find_instances(self.db, [r.uuid for r in mine])
            waiting = [r for r in mine if (row := rows.get(r.uuid)) is not None
                       and row.task_state == TaskState.SCHEDULING and not row.host]
            for request in mine:
                row = rows.get(request.uuid)
                if row is not None and row.vm_state == VmState.BUILDING \
                        and row.task_state == TaskState.NETWORKING and row.host:
                    # Placed by a scheduler that stopped before it cast the build (this
                    # message came again because it was never acknowledged): cast it now.
                    # The agent drops a build it already runs or has done.
                    self.compute_rpc.build_instance(request.ctx, row.host, request.uuid,
                                                    request.spec, {})
            # What a group or a hint naming other servers asks is looked up for each alone.
            alone = [r for r in waiting if self._alone(r.spec)]
            together = [r for r in waiting if not self._alone(r.spec)]
            events = actions.start_events(self.db, {r.uuid: r.ctx.get("request_id")
                                                    for r in waiting}, "schedule_instances")
            if together:
                try:
                    alone += self._place_together(together, events)
                except Exception:
                    # Whatever the batch did not finish, each server finishes alone (one
                    # it did finish is found moved on, and its claim put back as it was).
                    LOG.exception("placing %d servers together failed; placing each alone",
                                  len(together))
                    alone += together
            for request in alone:
                self._place_alone(request.ctx, request.uuid, request.spec,
                                  events.get(request.uuid))
        finally:
            with self._in_flight_lock:
                self._in_flight.difference_update(r.uuid for r in mine)

    @staticmethod
    def _alone(spec: dict[str, Any]) -> bool:
        # Ports that claim bandwidth are placed with a candidates request of their own.
        return bool(spec.get("group") or hints.servers_named(spec) or spec.get("port_requests"))

    def _take(self, instance_uuid: str) -> bool:
        """Whether this thread may handle the server: no other thread of ours is on it."""
        with self._in_flight_lock:
            if instance_uuid in self._in_flight:
                LOG.info("instance %s is already being scheduled; dropping the message again",
                         instance_uuid)
                return False
            self._in_flight.add(instance_uuid)
            return True

    @contextlib.contextmanager
    def _one_server(self, instance_uuid: str) -> Iterator[bool]:
        mine = self._take(instance_uuid)
        try:
            yield mine
        finally:
            if mine:
                with self._in_flight_lock:
                    self._in_flight.discard(instance_uuid)

    def _place_together(self, batch: list[_Request], events: dict[str, int]) -> list[_Request]:
        """Choose for each, claim all in one request, record all; the servers left to place
        alone (no host in the sample, or the batch's claim refused)."""
        chooser = self.chooser
        view = chooser.host_states.view()
        chosen: dict[str, HostState] = {}
        with chooser.host_states.lock:
            for request in batch:
                ranked = chooser.ranked(view, request.spec, everyone=False)
                if ranked:
                    chosen[request.uuid] = ranked[0]
                    chooser.host_states.consume(view, ranked[0].rp_uuid, claimed(request.spec))
        left = [r for r in batch if r.uuid not in chosen]
        by_uuid = {r.uuid: r for r in batch if r.uuid in chosen}
        try:
            self.placement.claim_new({uuid: {
                "allocations": host.allocation, "project_id": by_uuid[uuid].spec["project_id"],
                "user_id": by_uuid[uuid].spec["user_id"]} for uuid, host in chosen.items()})
        except NimbusError as exc:
            # Refused (a provider's room went to another scheduler, a server was claimed
            # already) or Placement unreachable: alone, each gets its own answer.
            LOG.info("claims for %d servers refused together (%s); placing each alone",
                     len(chosen), exc.message)
            for uuid, host in chosen.items():
                chooser.reserve(view, host, by_uuid[uuid].spec, -1)
            chooser.host_states.mark_stale()
            return left + list(by_uuid.values())
        recorded = db.record_hosts(self.db, {uuid: h.host for uuid, h in chosen.items()})
        for uuid, host in chosen.items():
            request = by_uuid[uuid]
            if uuid in recorded:
                self.compute_rpc.build_instance(request.ctx, host.host, uuid, request.spec,
                                                host.allocation)
            else:
                self._lost(uuid, request.spec)
        # After the casts: the builds need not wait for the bookkeeping.
        actions.finish_events(self.db, [events[u] for u in chosen if u in events], "Success")
        return left

    # -- one server alone ------------------------------------------------------------------
    def _schedule(self, ctx: dict[str, Any], instance_uuid: str, request_spec: dict[str, Any],
                  recovering: bool = False) -> None:
        """Place one server, from reading it on (recovery)."""
        with self._one_server(instance_uuid) as mine:
            row = db.find_instance(self.db, instance_uuid) if mine else None
            if row is None or row.task_state != TaskState.SCHEDULING or row.host:
                return  # deleted while it waited for us, or already scheduled (a message again)
            event = actions.start_event(self.db, ctx, instance_uuid, "schedule_instances", None)
            self._place_alone(ctx, instance_uuid, request_spec, event, recovering)

    def _place_alone(self, ctx: dict[str, Any], instance_uuid: str,
                     request_spec: dict[str, Any], event: int | None,
                     recovering: bool = False) -> None:
        try:
            host, updated = self._place(instance_uuid, request_spec, recovering)
        except Exception as exc:
            details = exc.kwargs.get("details") if isinstance(exc, NimbusError) else None
            actions.finish_event(self.db, event, "Error",
                                 traceback=f"{exc}\n{details}" if details else str(exc))
            # Unless it moved on meanwhile (deleted, or scheduled by another scheduler).
            failed = db.update_instance(self.db, instance_uuid,
                                        expected_task=TaskState.SCHEDULING,
                                        vm_state=VmState.ERROR, task_state=None,
                                        fault=fault_from(exc))
            if failed is not None:
                LOG.warning("instance %s failed: %s", instance_uuid, exc)
                claims.free(self.placement, instance_uuid)
            return
        actions.finish_event(self.db, event, "Success")
        if updated is None:
            self._lost(instance_uuid, request_spec)
            return
        self.compute_rpc.build_instance(ctx, host.host, instance_uuid, request_spec,
                                        host.allocation)

    @contextlib.contextmanager
    def _group_turn(self, spec: dict[str, Any]) -> Iterator[None]:
        """Members of one group are placed one at a time in this process."""
        group_uuid = spec.get("group")
        if not group_uuid:
            yield
            return
        with self._group_locks[hash(str(group_uuid)) % _GROUP_LOCKS]:
            yield

    @staticmethod
    def _allows(host: str) -> Callable[[groups_db.GroupPlacement], bool]:
        """Whether the group, as it is when the host is recorded, still lets a member onto
        ``host`` (asked inside that transaction)."""
        def check(now: groups_db.GroupPlacement) -> bool:
            return group_allows({"policy": now.policy, "rules": now.rules, "hosts": now.hosts},
                                host)
        return check

    def _place(self, instance_uuid: str, spec: dict[str, Any],
               recovering: bool) -> tuple[HostState, Instance | None]:
        """Claim a host and record it on the server: the host, and the row as recorded (None
        when the server moved on meanwhile)."""
        started = time.monotonic()
        read_generation = recovering
        with self._group_turn(spec):
            for _ in range(GROUP_RETRIES):
                work = self.chooser.prepared(spec, instance_uuid)
                host, view = self.chooser.claim(instance_uuid, work, started, read_generation)
                record = {"host": host.host, "node": host.host,
                          "task_state": TaskState.NETWORKING}
                group = group_of(work)
                if group.get("policy") not in ("affinity", "anti-affinity"):
                    return host, db.update_instance(self.db, instance_uuid,
                                                    expected_task=TaskState.SCHEDULING, **record)
                placed, row = groups_db.place_member(
                    self.db, group["uuid"], instance_uuid, self._allows(host.host),
                    expected_task=TaskState.SCHEDULING, **record)
                if placed:
                    return host, row
                LOG.info("instance %s: another member of group %s took %s first; choosing "
                         "again", instance_uuid, group["uuid"], host.host)
                self.chooser.reserve(view, host, spec, -1)
                # We hold a claim now: the next one replaces it, against its generation.
                read_generation = True
        raise NoValidHost(reason=NOT_ENOUGH, details=(
            f"The members of group {spec.get('group')} kept taking the hosts chosen for this "
            f"server ({GROUP_RETRIES} tries)."))

    def _lost(self, instance_uuid: str, spec: dict[str, Any]) -> None:
        """The server moved on while we claimed (deleted, or scheduled by another scheduler):
        our claim replaced whatever it held, so put back what it should hold."""
        row = db.find_instance(self.db, instance_uuid)
        if row is None or not row.host or row.vm_state == VmState.ERROR:
            claims.free(self.placement, instance_uuid)
            return
        try:
            provider = self.placement.find_provider(row.host)
            if provider is not None:
                claims.claim_on(self.placement, instance_uuid, provider["uuid"], row.flavor,
                                row.project_id, row.user_id)
        except NimbusError as exc:
            LOG.warning("could not restore the allocation of %s on %s: %s", instance_uuid,
                        row.host, exc)

    # -- start-up --------------------------------------------------------------------------
    def start_recovery(self) -> None:
        """Recover on a thread of its own; messages wait until it is done."""
        threading.Thread(target=self.recover, daemon=True, name="scheduler-recovery").start()

    def recover(self) -> None:
        """Take up what a crash left (see the module's docstring), then handle messages."""
        try:
            for row in db.waiting_for_scheduler(self.db):
                self._recovering(self._reschedule, row)
            for row in db.deleting_without_host(self.db):
                self._recovering(self._finish_delete, row)
        finally:
            self.recovered.set()

    @staticmethod
    def _recovering(step: Callable[[Instance], None], row: Instance) -> None:
        try:
            step(row)
        except Exception as exc:
            # One server that cannot be recovered must not keep the others waiting.
            LOG.warning("could not recover instance %s (%s/%s): %s", row.uuid, row.vm_state,
                        row.task_state, exc, exc_info=not isinstance(exc, NimbusError))

    def _reschedule(self, row: Instance) -> None:
        LOG.info("instance %s was waiting for a host when the scheduler stopped; scheduling "
                 "it again", row.uuid)
        # A claim made before the crash is replaced by the new one (a claim replaces what
        # the server held), or given back if none can be made: never held twice.
        self._schedule({}, row.uuid, request_spec_of(row), recovering=True)

    def _finish_delete(self, row: Instance) -> None:
        if self.local_delete is None:
            return
        LOG.info("instance %s was being deleted without a host; finishing the delete",
                 row.uuid)
        self.local_delete(row)
