"""The scheduler's RPC endpoint: candidates from Placement, filter, weigh, claim, cast."""

from __future__ import annotations

import logging
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.manager.faults import set_error
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.scheduler.filters import HostState, default_filters
from nimbus.compute.scheduler.weighers import default_weighers, rank
from nimbus.compute.states import TaskState
from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict, NimbusError, NoValidHost

LOG = logging.getLogger(__name__)


def resources_of(flavor: dict[str, Any]) -> dict[str, int]:
    disk = int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))
    disk += (int(flavor.get("swap", 0)) + 1023) // 1024
    return {"VCPU": int(flavor.get("vcpus", 1)), "MEMORY_MB": int(flavor.get("ram", 0)),
            "DISK_GB": disk}


class SchedulerManager:
    RPC_VERSION = "1.0"

    def __init__(self, db: Database, placement: PlacementClient, hosts: HostManager,
                 compute_rpc: ComputeAgentAPI) -> None:
        self.db = db
        self.placement = placement
        self.compute_rpc = compute_rpc
        self.filters = default_filters(hosts.is_up)
        self.weighers = default_weighers()

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

    def schedule_and_build(self, ctx: dict[str, Any], instance_uuid: str,
                           request_spec: dict[str, Any]) -> None:
        row = db.find_instance(self.db, instance_uuid)
        if row is None or row.task_state != TaskState.SCHEDULING:
            return  # deleted while it waited for us
        event = actions.start_event(self.db, ctx, instance_uuid, "schedule_instances", None)
        try:
            host = self._claim(instance_uuid, request_spec)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            if db.find_instance(self.db, instance_uuid) is not None:
                set_error(self.db, instance_uuid, exc)
            return
        actions.finish_event(self.db, event, "Success")
        updated = db.update_instance(self.db, instance_uuid, expected_task=TaskState.SCHEDULING,
                                     host=host.host, node=host.host,
                                     task_state=TaskState.NETWORKING)
        if updated is None:
            # Deleted while we scheduled: give the claim back.
            self.placement.delete_allocations(instance_uuid)
            return
        self.compute_rpc.build_instance(ctx, host.host, instance_uuid, request_spec,
                                        host.allocation)

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
