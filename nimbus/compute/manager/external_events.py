"""``os-server-external-events``: what other services tell compute about its servers.

Neutron sends ``network-changed`` when a server's port gains or loses an address (a floating IP
above all) and compute refreshes the addresses it shows, as Nova refreshes its network info
cache. The other events are acknowledged: the fake and real drivers here plug ports and extend
volumes synchronously, so nothing waits on them.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.compute.db import instances as db
from nimbus.compute.manager.networking import Networking
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)


class ExternalEvents:
    def __init__(self, db: Database, networking: Networking) -> None:
        self.db = db
        self.networking = networking

    def handle(self, events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """Each event with its ``code`` and ``status``, and the reply's status: 200 when all
        were accepted, 207 when some were not, 404 when no event named a known server."""
        results: list[dict[str, Any]] = []
        refreshed: set[str] = set()
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
            results.append(result)
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
