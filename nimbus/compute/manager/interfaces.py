"""``os-interface`` attach and detach: a port more or less on a running server.

The API checks what is asked (the network or port must be the caller's to use) and asks the
server's host, which makes or binds the port, plugs it into the guest and records it with the
server; Nova answers an attach only once the port is plugged, and so does this. A detach is
cast: the host unplugs the port, then deletes it if compute made it or unbinds it otherwise.
"""

from __future__ import annotations

from typing import Any

from nimbus.compute import states
from nimbus.compute.db import actions
from nimbus.compute.db.models import Instance
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.manager.networking import Networking
from nimbus.compute.manager.servers import check_lock
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.states import VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, Conflict, NotFound

# The states a guest takes a new port in.
_PLUGGABLE = (VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED)


class InterfaceManager:
    def __init__(self, db: Database, networking: Networking, hosts: HostManager,
                 compute_rpc: ComputeAgentAPI) -> None:
        self.db = db
        self.networking = networking
        self.hosts = hosts
        self.compute_rpc = compute_rpc

    def _ready(self, ctx: RequestContext, row: Instance, action: str) -> str:
        check_lock(ctx, row)
        if row.task_state is not None:
            raise states.invalid_state(action, row.uuid, "task_state", row.task_state)
        if row.vm_state not in _PLUGGABLE or not row.host:
            raise states.invalid_state(action, row.uuid, "vm_state", row.vm_state)
        if not self.hosts.agent_up(row.host):
            raise Conflict(f"The compute service of host {row.host} is down.")
        return row.host

    def attach(self, ctx: RequestContext, row: Instance, body: dict[str, Any]) -> dict[str, Any]:
        """Plug a port (``port_id``) or a new one on ``net_id`` into the server; its record."""
        host = self._ready(ctx, row, "attach_interface")
        if body.get("port_id") and body.get("net_id"):
            raise BadRequest("Must not input both network_id and port_id")
        fixed = [ip.get("ip_address") for ip in body.get("fixed_ips") or []]
        if len(fixed) > 1:
            raise BadRequest("Only one fixed IP may be given.")
        if fixed and not body.get("net_id"):
            raise BadRequest("A fixed IP needs a network (net_id).")
        wanted: Any = None
        if body.get("port_id") or body.get("net_id"):
            wanted = [{"uuid": body.get("net_id"), "port": body.get("port_id"),
                       "fixed_ip": fixed[0] if fixed else None, "tag": body.get("tag")}]
        caller = self.networking.client.acting_for(ctx.auth_token, ctx.project_id)
        requested = self.networking.resolve_requested(row.project_id, wanted, ctx.is_admin,
                                                      caller=caller)
        if not requested:
            raise BadRequest("No network is available to attach the interface to.")
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "attach_interface")
        return self.compute_rpc.attach_interface(ctx.to_dict(), host, row.uuid, requested[0])

    def detach(self, ctx: RequestContext, row: Instance, port_id: str) -> None:
        host = self._ready(ctx, row, "detach_interface")
        if not any(p["port_id"] == port_id for p in row.ports or []):
            raise NotFound(f"Port {port_id} is not attached", resource="port", id=port_id)
        actions.record_action(self.db, ctx.to_dict(), row.uuid, "detach_interface")
        self.compute_rpc.detach_interface(ctx.to_dict(), host, row.uuid, port_id)
