"""``os-server-external-events``: what other services tell compute about its servers.

Neutron sends ``network-changed`` when a server's port gains or loses an address (a floating IP
above all) and compute refreshes the addresses it shows, as Nova refreshes its network info
cache. ``network-vif-plugged`` goes on to the agent of the server's host, where a build may be
waiting for its port to come up, and so does ``volume-extended``, for the guest to see the new
size of its volume (``agent/volume_extend.py``). The other events are acknowledged: nothing
here waits on them.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.compute.db import instances as db
from nimbus.compute.manager.networking import Networking
from nimbus.compute.rpcapi import ComputeEventsAPI
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)


# The events a waiting build may want; the others stop here.
FOR_THE_HOST = frozenset({"network-vif-plugged", "volume-extended"})


class ExternalEvents:
    def __init__(self, db: Database, networking: Networking,
                 events_rpc: ComputeEventsAPI | None = None) -> None:
        self.db = db
        self.networking = networking
        self.events_rpc = events_rpc

    def handle(self, events: list[dict[str, Any]],
               ctx: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], int]:
        """Each event with its ``code`` and ``status``, and the reply's status: 200 when all
        were accepted, 207 when some were not, 404 when no event named a known server."""
        results: list[dict[str, Any]] = []
        refreshed: set[str] = set()
        to_hosts: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            result = dict(event)
            result.setdefault("status", "completed")
            row = db.find_instance(self.db, event["server_uuid"])
            if row is None:
                result.update(code=404, status="failed")
            elif not row.host:
                # Nova's answer for a server that no host has taken yet.
                result.update(code=422, status="failed")
            else:
                result["code"] = 200
                if event["name"] == "network-changed" and row.uuid not in refreshed:
                    refreshed.add(row.uuid)
                    self._refresh(row.uuid, list(row.ports or []))
                if event["name"] in FOR_THE_HOST:
                    to_hosts.setdefault(row.host, []).append(
                        {"name": event["name"], "server_uuid": row.uuid,
                         "tag": event.get("tag"), "status": result["status"]})
            results.append(result)
        if self.events_rpc is not None:
            for host, forwarded in to_hosts.items():
                # The sender's context goes along: what the host does for it (an extend's
                # server action) is recorded as the sender's, as Nova records it.
                self.events_rpc.external_instance_events(ctx or {}, host, forwarded)
        codes = {r["code"] for r in results}
        if codes == {200}:
            return results, 200
        if 200 not in codes and codes <= {404}:
            return results, 404
        return results, 207

    def _refresh(self, uuid: str, ports: list[dict[str, Any]]) -> None:
        try:
            db.update_instance(self.db, uuid, ports=self.networking.refresh(ports))
        except NimbusError as exc:
            # The event is still accepted: Neutron would only send it again, to the same end.
            LOG.warning("could not refresh the addresses of %s: %s", uuid, exc)
