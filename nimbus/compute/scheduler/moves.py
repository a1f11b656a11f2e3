"""Choosing a host for a server that moves: a resize, a cold or live migration, an unshelve,
an evacuation.

The claim follows Nova's: the server's allocation moves to the destination (with the new
flavor), and for a resize or migration what it held on the source is taken over by the
migration's uuid, so that the source keeps room for a revert until the move is confirmed. A
move that fits nowhere leaves the server as it was, with the reason in its fault; an
evacuation that fits nowhere leaves it in ERROR, as Nova's conductor does (its host is down:
it runs nowhere).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.compute.db import actions
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.db.models import Instance
from nimbus.compute.manager import claims, port_resources
from nimbus.compute.manager.faults import fault_from
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.scheduler.filters import HostState
from nimbus.compute.states import TaskState, VmState
from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict, NimbusError, NoValidHost

LOG = logging.getLogger(__name__)

# The task each move holds while a host is chosen for it.
_TASK = {"resize": TaskState.RESIZE_PREP, "migrate": TaskState.RESIZE_PREP,
         "os-migrateLive": TaskState.MIGRATING, "unshelve": TaskState.UNSHELVING,
         "evacuate": TaskState.REBUILDING}
# The instance action event each move's scheduling records (Nova's conductor's names).
_EVENT = {"unshelve": "schedule_instances", "evacuate": "conductor_rebuild_server"}


class MoveScheduler:
    def __init__(self, db: Database, placement: PlacementClient, compute_rpc: ComputeAgentAPI,
                 select_hosts: Callable[[dict[str, Any]], list[HostState]]) -> None:
        self.db = db
        self.placement = placement
        self.compute_rpc = compute_rpc
        self.select_hosts = select_hosts

    def schedule_move(self, ctx: dict[str, Any], instance_uuid: str, action: str,
                      migration_uuid: str, spec: dict[str, Any]) -> None:
        task = _TASK[action]
        row = db.find_instance(self.db, instance_uuid)
        if row is None or row.task_state != task:
            return      # deleted meanwhile, or a message again for a move already placed
        event = actions.start_event(self.db, ctx, instance_uuid,
                                    _EVENT.get(action, "conductor_migrate_server"), None)
        evacuate = action == "evacuate"
        try:
            # An evacuated server leaves nothing on its source to revert to: it only moves.
            host = self._claim(row, migration_uuid, spec, hold_source=not evacuate)
        except Exception as exc:
            actions.finish_event(self.db, event, "Error", traceback=str(exc))
            LOG.warning("no host for the %s of instance %s: %s", action, instance_uuid, exc)
            if migration_uuid:
                migrations.update_migration(self.db, migration_uuid, status="error")
            db.update_instance(self.db, instance_uuid, expected_task=task, task_state=None,
                               old_flavor=None, new_flavor=None, fault=fault_from(exc),
                               **({"vm_state": VmState.ERROR} if evacuate else {}))
            return
        actions.finish_event(self.db, event, "Success")
        if migration_uuid:
            migrations.update_migration(self.db, migration_uuid, dest_compute=host.host,
                                        status="pre-migrating" if action != "os-migrateLive"
                                        else "preparing")
        if evacuate:
            if db.update_instance(self.db, instance_uuid, expected_task=task, host=host.host,
                                  node=host.host) is None:
                claims.free(self.placement, instance_uuid)
                return
            self.compute_rpc.evacuate_instance(ctx, host.host, instance_uuid, migration_uuid,
                                               bool(spec.get("stopped")))
        elif action == "unshelve":
            if db.update_instance(self.db, instance_uuid, expected_task=task, host=host.host,
                                  node=host.host) is None:
                claims.free(self.placement, instance_uuid)
                return
            self.compute_rpc.unshelve_instance(ctx, host.host, instance_uuid)
        elif action == "os-migrateLive":
            self.compute_rpc.live_migrate(ctx, str(row.host), instance_uuid, migration_uuid,
                                          host.host)
        else:
            self.compute_rpc.resize_instance(ctx, str(row.host), instance_uuid, migration_uuid,
                                             host.host)

    def _claim(self, row: Instance, migration_uuid: str, spec: dict[str, Any],
               hold_source: bool = True) -> HostState:
        """Claim the best destination; the source's allocation handed to the migration
        (``hold_source``) or given up."""
        source = spec.get("source_host")
        candidates = [h for h in self.select_hosts(spec)
                      if spec.get("same_host") or h.host != source]
        if not candidates:
            raise NoValidHost(reason="No valid host was found. No host other than the "
                              "server's own can take it." if source and not spec.get("same_host")
                              else "No valid host was found.")
        # Ports whose QoS claims bandwidth move their claims too, from the destination's NICs.
        ports = port_resources.requests_of(list(row.requested_networks or []))
        source_rp = None
        if migration_uuid and source and hold_source:
            provider = self.placement.find_provider(str(source))
            if provider is not None:
                source_rp = provider["uuid"]
                if ports:
                    # Everything the server holds there, its ports' part too.
                    self.placement.claim(migration_uuid,
                                         self.placement.allocations_of(row.uuid),
                                         row.project_id, row.user_id)
                else:
                    claims.claim_on(self.placement, migration_uuid, source_rp,
                                    dict(row.flavor or {}), row.project_id, row.user_id)
        for host in candidates:
            try:
                allocation = host.allocation
                if ports:
                    allocation = port_resources.claim_for(
                        self.placement, claims.resources_of(spec["flavor"]), ports,
                        host.rp_uuid)
                self.placement.claim(row.uuid, allocation, row.project_id, row.user_id)
                host.allocation = allocation
                return host
            except Conflict:
                LOG.info("claim on %s for %s lost a race; trying the next host", host.host,
                         row.uuid)
            except NimbusError:
                self._give_back(row, migration_uuid, source_rp)
                raise
        self._give_back(row, migration_uuid, source_rp)
        raise NoValidHost(reason="No valid host was found. There are not enough hosts "
                          "available.")

    def _give_back(self, row: Instance, migration_uuid: str, source_rp: str | None) -> None:
        if source_rp is None:
            return
        held = self.placement.allocations_of(migration_uuid)
        if port_resources.requests_of(list(row.requested_networks or [])) and held:
            self.placement.claim(row.uuid, held, row.project_id, row.user_id)
        else:
            claims.claim_on(self.placement, row.uuid, source_rp, dict(row.flavor or {}),
                            row.project_id, row.user_id)
        claims.free(self.placement, migration_uuid)

