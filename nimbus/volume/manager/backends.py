"""The operators' view of the block-storage services and backends: os-services (enable,
disable, freeze, thaw, log levels), os-hosts, the scheduler's pools, capabilities, clusters
and the workers' cleanup.

Services are the registry's heartbeats whose binary is Cinder's (``cinder-volume`` for each
agent ``host@backend``, ``cinder-scheduler`` for the API processes that place new volumes).
A backend's pools and capabilities come from its agent, asked over RPC (``backend_rpcapi.py``);
one that does not answer is left out, as Cinder's scheduler leaves out a backend that stopped
reporting.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NimbusError
from nimbus.core.registry import Registry
from nimbus.volume.constants import AVAILABILITY_ZONES, BINARY
from nimbus.volume.db import backends as db_backends
from nimbus.volume.errors import HostNotFound, InvalidInput, ServiceNotFound
from nimbus.volume.manager import hosts, log_levels
from nimbus.volume.rpcapi import BackendAgentAPI

LOG = logging.getLogger(__name__)
Record = dict[str, Any]
SCHEDULER_BINARY = "cinder-scheduler"
API_BINARY = "cinder-api"


def _matches(service_host: str, host: str) -> bool:
    """Cinder's host filter: ``host`` names the service's host, or its ``host@backend``."""
    return service_host == host or service_host.split("@", 1)[0] == host \
        or db_backends.backend_of(host) == service_host


class BackendManager:
    def __init__(self, database: Database, registry: Registry, agents: BackendAgentAPI,
                 host_name: str = "") -> None:
        self.db = database
        self.registry = registry
        self.agents = agents
        # This process's host, for the cinder-api binary of the log-level calls.
        self.host_name = host_name

    # -- services ---------------------------------------------------------------------------------
    def services(self, binary: str | None = None, host: str | None = None) -> list[Record]:
        with self.db.reader() as s:
            frozen = db_backends.frozen_hosts(s)
        found = []
        for rec in self.registry.list():
            if not str(rec["binary"]).startswith("cinder-"):
                continue
            if (binary and rec["binary"] != binary) or (host and not _matches(rec["host"], host)):
                continue
            found.append({**rec, "frozen": rec["host"] in frozen, "zone": AVAILABILITY_ZONES[0]})
        return found

    def set_enabled(self, host: str, binary: str, enabled: bool,
                    reason: str | None = None) -> None:
        if not binary.startswith("cinder-") or not self.registry.set_disabled(
                binary, host, not enabled, reason if not enabled else None):
            raise ServiceNotFound(f"Could not find binary {binary} on host {host}.",
                                  binary=binary, host=host)

    @retry_on_lock()
    def set_frozen(self, host: str, frozen: bool) -> None:
        """Freeze (or thaw) every volume backend of ``host``; an unknown host is the
        caller's mistake (Cinder's 400)."""
        backends = [r["host"] for r in self.services(BINARY, host)]
        if not backends:
            raise InvalidInput(reason=f"Service {BINARY} on host {host} could not be found.")
        with self.db.writer() as s:
            for backend in backends:
                db_backends.set_frozen(s, backend, frozen)

    # -- log levels (3.32) --------------------------------------------------------------------
    def _log_targets(self, binary: str | None, server: str | None) -> tuple[bool, list[str]]:
        """Whether this API process is asked (``cinder-api``, and ``cinder-scheduler``, whose
        work it does), and the volume agents that are."""
        every = binary in (None, "", "*")
        here = (every or binary in (API_BINARY, SCHEDULER_BINARY)) and (
            not server or server == self.host_name)
        agents = [r["host"] for r in self.services(BINARY, server) if r["up"]] \
            if every or binary == BINARY else []
        return here, agents

    def set_log_levels(self, ctx: dict[str, Any], binary: str | None, server: str | None,
                       prefix: str, level: str) -> None:
        here, agents = self._log_targets(binary, server)
        if here:
            log_levels.set_log_levels(prefix, level)
        for agent in agents:
            self.agents.set_log_levels(ctx, agent, prefix, level)

    def get_log_levels(self, ctx: dict[str, Any], binary: str | None, server: str | None,
                       prefix: str) -> list[Record]:
        here, agents = self._log_targets(binary, server)
        found = []
        if here:
            found.append({"host": self.host_name, "binary": API_BINARY,
                          "levels": log_levels.get_log_levels(prefix)})
        for agent in agents:
            found.append({"host": agent, "binary": BINARY,
                          "levels": self.agents.get_log_levels(ctx, agent, prefix)})
        return found

    # -- hosts --------------------------------------------------------------------------------------
    def hosts(self, zone: str | None = None) -> list[Record]:
        """os-hosts: the services that are not disabled (Cinder lists only those)."""
        return [r for r in self.services() if not r["disabled"] and (not zone or
                                                                     r["zone"] == zone)]

    def host_usage(self, host: str) -> list[Record]:
        """The volumes and snapshots on a volume backend: the total, then each project's."""
        if host not in [r["host"] for r in self.services(BINARY) if not r["disabled"]]:
            raise HostNotFound(host=host)
        with self.db.reader() as s:
            per = db_backends.usage(s, host)
        total = [sum(v[i] for v in per.values()) for i in range(4)]
        return [_usage(host, "(total)", total)] + [_usage(host, project, values)
                                                     for project, values in sorted(per.items())]

    # -- pools and capabilities -----------------------------------------------------------------
    def pools(self, ctx: dict[str, Any]) -> list[Record]:
        found = []
        for backend in hosts.up_backends(self.registry):
            try:
                caps = self.agents.capabilities(ctx, backend)
            except NimbusError as exc:
                LOG.warning("backend %s did not report its capabilities: %s", backend, exc)
                continue
            found.append({"name": hosts.with_pool(backend), "capabilities": caps})
        return found

    def capabilities(self, ctx: dict[str, Any], host: str) -> Record:
        backend = db_backends.backend_of(host)
        if backend not in [r["host"] for r in self.services(BINARY) if r["up"]]:
            raise HostNotFound(f"Can't find service: {host}", host=host)
        return self.agents.capabilities(ctx, backend)

    # -- workers' cleanup (3.24) ----------------------------------------------------------------
    def cleanup(self, ctx: dict[str, Any], wanted: dict[str, Any]) -> tuple[list[Record],
                                                                           list[Record]]:
        """Cast a cleanup to each matching volume agent that is up; those down are
        unavailable (no other service of theirs could clean up for them)."""
        until = utcnow()
        cleaning, unavailable = [], []
        for rec in self.services(wanted.get("binary") or BINARY, wanted.get("host")):
            if rec["binary"] != BINARY or (wanted.get("service_id") is not None
                                           and rec["id"] != wanted["service_id"]):
                continue
            if wanted.get("disabled") is not None and rec["disabled"] != wanted["disabled"]:
                continue
            # Cinder's cleanup asks about services that are down unless told ``is_up``.
            if bool(wanted.get("is_up")) != rec["up"]:
                continue
            if rec["up"]:
                self.agents.cleanup(ctx, rec["host"], until)
                cleaning.append(rec)
            else:
                unavailable.append(rec)
        return cleaning, unavailable


def _usage(host: str, project: str, values: list[int]) -> Record:
    volumes, volume_gb, snapshots, snapshot_gb = values
    return {"resource": {"host": host, "project": project, "volume_count": str(volumes),
                         "total_volume_gb": str(volume_gb), "snapshot_count": str(snapshots),
                         "total_snapshot_gb": str(snapshot_gb)}}
