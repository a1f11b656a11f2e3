"""Usage: what each project's servers used over a period (Nova's simple tenant usage), from
their flavors and the times they were launched and terminated, and the usage audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import usage as db
from nimbus.compute.manager.hosts import HostManager
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest

_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def utcnow() -> dt.datetime:
    """Naive UTC now, to the microsecond (the periods reports name are that precise)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def parse_time(value: str | None) -> dt.datetime:
    """A report's ``start`` or ``end``: absent means now."""
    if not value:
        return utcnow()
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise BadRequest("Invalid datetime string: Datetime is in invalid format")


def period(start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
    begin, stop = parse_time(start), parse_time(end)
    if not begin < stop:
        raise BadRequest("Invalid start time. The start time cannot occur after the end time.")
    # A report never reaches into the future.
    return begin, min(stop, utcnow())


def hours_in(launched: dt.datetime | None, terminated: dt.datetime | None,
             begin: dt.datetime, stop: dt.datetime) -> float:
    """The hours a server ran within the period (none before it launched)."""
    if launched is None or launched > stop or (terminated is not None and terminated < begin):
        return 0.0
    end = min(stop, terminated) if terminated is not None else stop
    return (end - max(launched, begin)).total_seconds() / 3600.0


@dataclass
class UsageReport:
    tenants: list[dict[str, Any]]
    # Every server of the page, for the ``next`` link's marker.
    servers: list[dict[str, Any]]
    more: bool


class UsageManager:
    def __init__(self, db: Database, hosts: HostManager, max_limit: int) -> None:
        self.db = db
        self.hosts = hosts
        self.max_limit = max_limit

    def report(self, begin: dt.datetime, stop: dt.datetime, project_id: str | None,
               detailed: bool, query: PageQuery) -> UsageReport:
        """The usage of one page of servers, summed by project in the order they come."""
        page = db.page_window(self.db, begin, stop, project_id, query, self.max_limit)
        tenants: dict[str, dict[str, Any]] = {}
        servers = []
        now = utcnow()
        for row in page.items:
            server = self._server(row, begin, stop, now)
            summary = tenants.get(row.project_id)
            if summary is None:
                summary = tenants[row.project_id] = {
                    "tenant_id": row.project_id, "total_local_gb_usage": 0,
                    "total_vcpus_usage": 0, "total_memory_mb_usage": 0, "total_hours": 0,
                    "start": begin, "stop": stop}
                if detailed:
                    summary["server_usages"] = []
            hours = server["hours"]
            summary["total_local_gb_usage"] += server["local_gb"] * hours
            summary["total_vcpus_usage"] += server["vcpus"] * hours
            summary["total_memory_mb_usage"] += server["memory_mb"] * hours
            summary["total_hours"] += hours
            if detailed:
                summary["server_usages"].append(server)
            servers.append(server)
        return UsageReport(list(tenants.values()), servers, page.more)

    @staticmethod
    def _server(row: Any, begin: dt.datetime, stop: dt.datetime,
                now: dt.datetime) -> dict[str, Any]:
        flavor = dict(row.flavor or {})
        ended = row.terminated_at
        started = row.launched_at
        uptime = ((ended or now) - started).total_seconds() if started else 0
        return {
            "instance_id": row.uuid, "name": row.name, "tenant_id": row.project_id,
            "hours": hours_in(started, ended, begin, stop),
            "flavor": flavor.get("name") or "",
            "memory_mb": int(flavor.get("ram", 0)),
            "local_gb": int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0)),
            "vcpus": int(flavor.get("vcpus", 0)),
            "started_at": started, "ended_at": ended,
            "state": "terminated" if ended is not None else row.vm_state,
            "uptime": int(uptime),
        }

    # -- the instance usage audit log ---------------------------------------------------------
    def audit_log(self, before: dt.datetime | None = None) -> dict[str, Any]:
        """The audit of the last month completed before ``before`` (default now). No audit task
        runs here (as in Nova unless an operator turns it on), so every compute host is one
        that has not run it."""
        begin, end = last_month(before or utcnow())
        hosts = sorted({s.host for s in self.hosts.services() if s.binary == AGENT_BINARY})
        return {
            "period_beginning": str(begin), "period_ending": str(end),
            "num_hosts": len(hosts), "num_hosts_done": 0, "num_hosts_running": 0,
            "num_hosts_not_run": len(hosts), "hosts_not_run": hosts,
            "total_instances": 0, "total_errors": 0,
            "overall_status": f"{'ALL' if not hosts else f'0 of {len(hosts)}'} hosts done. "
                              "0 errors.",
            "log": {},
        }


def last_month(before: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The most recent whole month (first to first) that ended before ``before``."""
    end = dt.datetime(before.year, before.month, 1)
    if end >= before:
        end = dt.datetime(before.year - (before.month == 1), (before.month - 2) % 12 + 1, 1)
    begin = dt.datetime(end.year - (end.month == 1), (end.month - 2) % 12 + 1, 1)
    return begin, end


def parse_before(value: str) -> dt.datetime:
    """The audit log's ``before`` timestamp, as Nova reads it."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in value else "%Y-%m-%d %H:%M:%S"
    try:
        before = dt.datetime.strptime(value, fmt)
        # A time so early that no whole month ends before it names no period either.
        last_month(before)
    except ValueError:
        raise BadRequest(f"Invalid timestamp for date {value}") from None
    return before
