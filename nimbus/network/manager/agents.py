"""Network agents (Neutron's ``agent`` extension): what each host's agents say of themselves.

An agent process reports its agents (DHCP, L3, metadata and the port agent) at start and at
every sync; one that has not reported for ``DOWN_AFTER`` is shown as not alive. An admin may
take an agent down (``admin_state_up``), describe it, or delete the record of one that is gone
(a live one reports itself again at its next sync).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import agents as db_agents
from nimbus.network.db.models import Agent

# The agents whose zones are availability zones, and what those zones hold.
ZONE_RESOURCES = {"DHCP agent": "network", "L3 agent": "router"}
# Neutron's agent_down_time.
DOWN_AFTER = dt.timedelta(seconds=75)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class AgentReport:
    """One agent of a host, as its process reports it."""

    agent_type: str
    binary: str
    topic: str
    availability_zone: str | None = None
    configurations: dict[str, Any] = field(default_factory=dict)


def view(row: Agent, now: dt.datetime) -> dict[str, Any]:
    return {"id": row.id, "agent_type": row.agent_type, "binary": row.binary,
            "topic": row.topic, "host": row.host, "admin_state_up": row.admin_state_up,
            "availability_zone": row.availability_zone, "description": row.description,
            "configurations": dict(row.configurations or {}),
            "resources_synced": row.resources_synced,
            "created_at": row.created_at.strftime(TIME_FORMAT),
            "started_at": row.started_at.strftime(TIME_FORMAT),
            "heartbeat_timestamp": row.heartbeat_timestamp.strftime(TIME_FORMAT),
            "alive": now - row.heartbeat_timestamp < DOWN_AFTER}


class AgentManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- what agents say ------------------------------------------------------------------------
    @retry_on_lock()
    def report(self, host: str, reports: list[AgentReport], starting: bool = False) -> None:
        """A heartbeat of ``host``'s agents; ``starting`` when their process has just started."""
        now = utcnow()
        with self.db.writer() as s:
            for item in reports:
                row = db_agents.find(s, item.agent_type, host)
                if row is None:
                    row = Agent(agent_type=item.agent_type, host=host, created_at=now,
                                started_at=now)
                    s.add(row)
                elif starting:
                    row.started_at = now
                row.binary, row.topic = item.binary, item.topic
                row.availability_zone = item.availability_zone
                row.configurations = dict(item.configurations)
                row.resources_synced = True
                row.heartbeat_timestamp = now

    # -- the API --------------------------------------------------------------------------------
    def listing(self) -> list[dict[str, Any]]:
        now = utcnow()
        with self.db.reader() as s:
            return [view(row, now) for row in db_agents.listing(s)]

    def get(self, agent_id: str) -> dict[str, Any]:
        with self.db.reader() as s:
            return view(db_agents.get(s, agent_id), utcnow())

    @retry_on_lock()
    def update(self, agent_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as s:
            row = db_agents.get(s, agent_id)
            if "admin_state_up" in changes:
                row.admin_state_up = bool(changes["admin_state_up"])
            if "description" in changes:
                row.description = changes["description"]
            return view(row, utcnow())

    def zones(self) -> list[dict[str, Any]]:
        """Availability zones, as Neutron derives them: the zones of the DHCP agents hold
        networks, those of the L3 agents routers; a zone is available while one of its agents
        is up. With no agents at all (the fake driver), the one zone everything is in."""
        now = utcnow()
        found: dict[tuple[str, str], bool] = {}
        with self.db.reader() as s:
            for row in db_agents.listing(s):
                resource = ZONE_RESOURCES.get(row.agent_type)
                if resource is None or not row.availability_zone:
                    continue
                key = (row.availability_zone, resource)
                up = row.admin_state_up and now - row.heartbeat_timestamp < DOWN_AFTER
                found[key] = found.get(key, False) or up
        if not found:
            found = {(c.AVAILABILITY_ZONE, "network"): True, (c.AVAILABILITY_ZONE, "router"): True}
        return [{"name": name, "resource": resource,
                 "state": "available" if up else "unavailable"}
                for (name, resource), up in sorted(found.items())]

    def check_hints(self, hints: list[str]) -> None:
        """Availability zone hints must name zones that exist (for any resource, as Neutron
        checks them)."""
        known = {z["name"] for z in self.zones()}
        for hint in hints:
            if hint not in known:
                raise nerr.AvailabilityZoneNotFound(availability_zone=hint)

    @retry_on_lock()
    def delete(self, agent_id: str) -> None:
        with self.db.writer() as s:
            s.delete(db_agents.get(s, agent_id))
            db_agents.forget(s, agent_id)
