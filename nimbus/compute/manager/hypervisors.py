"""Hypervisors: each compute host's service record, with its capacity and use as Placement
holds them in the inventories and usages of the host's resource provider."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import services as db
from nimbus.compute.db.services import Hypervisor
from nimbus.compute.manager.hosts import HostManager, Service, record_id_of
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, NimbusError, NotFound
from nimbus.core.plugins import DriverLoadError, load_driver

__all__ = ["Hypervisor", "HypervisorManager", "hypervisor_not_found"]

LOG = logging.getLogger(__name__)


def hypervisor_not_found(ident: str) -> NotFound:
    return NotFound(f"Hypervisor with ID '{ident}' could not be found.", resource="hypervisor",
                    id=ident)


def _uptime_line() -> str | None:
    """What ``uptime`` prints on this machine, where every host of this driver lives."""
    try:
        with open("/proc/uptime") as f:
            seconds = int(float(f.read().split()[0]))
        load = os.getloadavg()
    except (OSError, ValueError, IndexError):
        return None
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return (f" {time.strftime('%H:%M:%S', time.gmtime())} up {days} days, {hours:2d}:"
            f"{minutes:02d},  0 users,  load average: {load[0]:.2f}, {load[1]:.2f}, "
            f"{load[2]:.2f}")


def _hypervisor_type(driver: str) -> str:
    """The hypervisor type the configured driver declares (its agents may run elsewhere)."""
    try:
        return str(getattr(load_driver("compute", driver), "hypervisor_type", "unknown"))
    except DriverLoadError:
        return "unknown"


class HypervisorManager:
    def __init__(self, db: Database, hosts: HostManager, placement: PlacementClient, *,
                 driver: str, host_ip: str | None, max_limit: int) -> None:
        self.db = db
        self.hosts = hosts
        self.placement = placement
        self.hypervisor_type = _hypervisor_type(driver)
        self.host_ip = host_ip
        self.max_limit = max_limit

    # -- finding them ------------------------------------------------------------------------
    def page(self, query: PageQuery, uuids: bool) -> Page[Hypervisor]:
        """One page by id; a marker is the id the list showed (a UUID from 2.53)."""
        marker = query.marker
        if marker is not None and uuids:
            found = self._by_uuid(marker)
            if found is None:
                raise BadRequest(f"marker [{marker}] not found")
            marker = str(found.id)
        page = db.page_records(self.db, AGENT_BINARY, PageQuery(
            limit=query.limit, marker=marker), self.max_limit)
        items = [Hypervisor(s) for s in self.hosts.shaped(page.items)]
        return Page(items, more=page.more, previous=page.previous, sort=page.sort)

    def matching(self, pattern: str) -> list[Hypervisor]:
        """The hypervisors whose host name contains ``pattern``; 404 when none does."""
        found = self.hosts.shaped(db.matching_hosts(self.db, AGENT_BINARY, pattern))
        if not found:
            raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
        return [Hypervisor(s) for s in found]

    def get(self, ident: str, uuids: bool) -> Hypervisor:
        """The hypervisor a path names: an integer id, or from 2.53 a UUID (400 otherwise)."""
        if uuids:
            if record_id_of(ident) is None:
                raise BadRequest(f"Invalid uuid {ident}")
            service = self._by_uuid(ident)
        else:
            # Digits only, and no more than a 64-bit column holds.
            # (isascii: str.isdigit() also takes superscripts that int() refuses.)
            numeric = ident.isascii() and ident.isdigit() and len(ident) < 19
            service = self.hosts.by_id(int(ident)) if numeric else None
        if service is None or service.binary != AGENT_BINARY:
            raise hypervisor_not_found(ident)
        return Hypervisor(service)

    def _by_uuid(self, ident: str) -> Service | None:
        record_id = record_id_of(ident)
        service = self.hosts.by_id(record_id) if record_id is not None else None
        if service is None or service.hypervisor_uuid != ident.lower():
            return None
        return service

    # -- what they hold ---------------------------------------------------------------------
    def with_servers(self, hypervisors: list[Hypervisor]) -> list[Hypervisor]:
        servers = db.instances_of_hosts(self.db, [h.host for h in hypervisors])
        for h in hypervisors:
            h.servers = servers.get(h.host, [])
        return hypervisors

    def with_resources(self, hypervisors: list[Hypervisor]) -> list[Hypervisor]:
        """Fill in capacity (from Placement) and workload (from the servers on each host)."""
        if not hypervisors:
            return hypervisors
        providers = self._providers()
        hosts = [h.host for h in hypervisors]
        counts = db.instance_counts(self.db, hosts)
        busy = db.busy_counts(self.db, hosts)
        for h in hypervisors:
            h.resources = self._resources(providers.get(h.host))
            h.resources["running_vms"] = counts.get(h.host, 0)
            h.resources["current_workload"] = busy.get(h.host, 0)
        return hypervisors

    def _providers(self) -> dict[str, str]:
        try:
            return {p["name"]: p["uuid"] for p in self.placement.list_providers()}
        except NimbusError as exc:
            LOG.warning("could not list resource providers: %s", exc)
            return {}

    def _resources(self, rp_uuid: str | None) -> dict[str, int]:
        inventories: dict[str, Any] = {}
        usages: dict[str, int] = {}
        if rp_uuid is not None:
            try:
                inventories = self.placement.get_inventories(rp_uuid).get("inventories") or {}
                usages = self.placement.get_usages(rp_uuid)
            except NimbusError as exc:
                # A provider deleted meanwhile reads as empty, as a node not reported yet.
                LOG.info("could not read provider %s: %s", rp_uuid, exc)

        def total(rc: str) -> int:
            return int((inventories.get(rc) or {}).get("total", 0))

        def used(rc: str) -> int:
            # Nova counts the host's reserved share as used.
            return int(usages.get(rc, 0)) + int((inventories.get(rc) or {}).get("reserved", 0))

        out = {"vcpus": total("VCPU"), "memory_mb": total("MEMORY_MB"),
               "local_gb": total("DISK_GB"), "vcpus_used": int(usages.get("VCPU", 0)),
               "memory_mb_used": used("MEMORY_MB"), "local_gb_used": used("DISK_GB")}
        out["free_ram_mb"] = out["memory_mb"] - out["memory_mb_used"]
        out["free_disk_gb"] = out["local_gb"] - out["local_gb_used"]
        out["disk_available_least"] = out["free_disk_gb"]
        return out

    def uptime(self, hypervisor: Hypervisor) -> str | None:
        """The host's ``uptime`` line; None when its agent is down."""
        return _uptime_line() if hypervisor.service.up else None

    def statistics(self) -> dict[str, int]:
        """Sums over the hypervisors whose service is enabled (Nova leaves disabled ones out)."""
        enabled = [Hypervisor(s) for s in self.hosts.services()
                   if s.binary == AGENT_BINARY and not s.disabled]
        totals = {"count": len(enabled)}
        keys = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                "running_vms", "disk_available_least")
        for key in keys:
            totals[key] = 0
        for h in self.with_resources(enabled):
            for key in keys:
                totals[key] += h.resources.get(key, 0)
        return totals
