"""The scheduler's RPC endpoint: candidates from Placement, filter, weigh, claim, cast.

At start it takes up what a crash left behind (``recover``): servers still waiting for a host,
whose ``schedule_and_build`` message was lost, are scheduled again (a claim replaces whatever
allocation they held from before, and a server that fits nowhere gives it back), and deletes
of servers that never had a host are finished.
It serves its topic first, so that no request cast meanwhile is lost, and recovers on a thread
of its own, but handles no message before that is done; and it schedules one server at a time,
so the two never overlap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db.models import Instance
from nimbus.compute.manager import claims
from nimbus.compute.manager.claims import resources_of
from nimbus.compute.manager.faults import fault_from
from nimbus.compute.manager.guests import request_spec_of
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.scheduler.filters import HostState, default_filters
from nimbus.compute.scheduler.weighers import default_weighers, rank
from nimbus.compute.states import TaskState, VmState
from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict, NimbusError, NoValidHost

__all__ = ["SchedulerManager", "resources_of"]

LOG = logging.getLogger(__name__)


class SchedulerManager:
    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"schedule_and_build"})

    def __init__(self, db: Database, placement: PlacementClient, hosts: HostManager,
                 compute_rpc: ComputeAgentAPI,
                 local_delete: Callable[[Instance], None] | None = None) -> None:
        self.db = db
        self.placement = placement
        self.compute_rpc = compute_rpc
        self.filters = default_filters(hosts.is_up)
        self.weighers = default_weighers()
        # Finishes the delete of a server no agent will see (``ServerManager.local_delete``).
        self.local_delete = local_delete
        self._one_at_a_time = threading.Lock()
        # Set once the start-up recovery is done; messages wait for it.
        self.recovered = threading.Event()

    def select_hosts(self, spec: dict[str, Any]) -> list[HostState]:
        """Candidate hosts for ``spec``, best first; raises NoValidHost when none fits."""
        placement = self.placement
        wanted = resources_of(spec["flavor"])
        reply = placement.allocation_candidates(wanted)
        summaries = reply.get("provider_summaries") or {}
        names = {rp["uuid"]: rp["name"] for rp in placement.list_providers()}
        hosts: list[HostState] = []
        for request in reply.get("allocation_requests") or []:
            allocations = request.get("allocations") or {}
            if len(allocations) != 1:
                continue  # nested or shared providers are not modelled yet
            rp_uuid = next(iter(allocations))
            if rp_uuid not in names:
                continue
            hosts.append(HostState(names[rp_uuid], rp_uuid, allocations,
                                   (summaries.get(rp_uuid) or {}).get("resources") or {}))
        for host_filter in self.filters:
            before = len(hosts)
            hosts = [h for h in hosts if host_filter.passes(h, spec)]
            LOG.debug("%s: %d -> %d hosts", host_filter.name, before, len(hosts))
        if not hosts:
            raise NoValidHost(reason="There are not enough hosts available.")
        return rank(hosts, spec, self.weighers)

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
        spec = request_spec_of(row)
        LOG.info("instance %s was waiting for a host when the scheduler stopped; scheduling "
                 "it again", row.uuid)
        with self._one_at_a_time:
            # A claim made before the crash is replaced by the new one (a claim replaces what
            # the server held), or given back if none can be made: never held twice.
            self._schedule({}, row.uuid, spec)

    def _finish_delete(self, row: Instance) -> None:
        if self.local_delete is None:
            return
        LOG.info("instance %s was being deleted without a host; finishing the delete",
                 row.uuid)
        self.local_delete(row)

    # -- RPC -------------------------------------------------------------------------------
    def schedule_and_build(self, ctx: dict[str, Any], instance_uuid: str,
                           request_spec: dict[str, Any]) -> None:
        self.recovered.wait()
        with self._one_at_a_time:
            self._schedule(ctx, instance_uuid, request_spec)

    def _schedule(self, ctx: dict[str, Any], instance_uuid: str,
                  request_spec: dict[str, Any]) -> None:
        row = db.find_instance(self.db, instance_uuid)
        if row is None or row.task_state != TaskState.SCHEDULING or row.host:
            return  # deleted while it waited for us, or already scheduled (a message again)
        event = actions.start_event(self.db, ctx, instance_uuid, "schedule_instances", None)
        try:
            host = self._claim(instance_uuid, request_spec)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
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
        updated = db.update_instance(self.db, instance_uuid, expected_task=TaskState.SCHEDULING,
                                     host=host.host, node=host.host,
                                     task_state=TaskState.NETWORKING)
        if updated is None:
            self._lost(instance_uuid, request_spec)
            return
        self.compute_rpc.build_instance(ctx, host.host, instance_uuid, request_spec,
                                        host.allocation)

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

    def _claim(self, instance_uuid: str, spec: dict[str, Any]) -> HostState:
        placement = self.placement
        for host in self.select_hosts(spec):
            try:
                placement.claim(instance_uuid, host.allocation, spec["project_id"],
                                spec["user_id"])
                return host
            except Conflict:
                LOG.info("claim on %s for %s lost a race; trying the next host", host.host,
                         instance_uuid)
            except NimbusError:
                raise
        raise NoValidHost(reason="There are not enough hosts available.")

