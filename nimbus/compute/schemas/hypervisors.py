"""Hypervisor queries and the hypervisor as each microversion shows it."""

from __future__ import annotations

import json
from typing import Any

from nimbus.compute.db.services import Hypervisor
from nimbus.compute.schemas.aggregates import HOST
from nimbus.compute.schemas.common import BOOLEAN, AtLeast, without_nul
from nimbus.core.api import validation
from nimbus.core.api.validation import LIMIT, MARKER

# The paging (2.33+), hostname pattern and with_servers (2.53+) parameters; before the
# microversion that brings each, it is ignored as Nova ignores unknown parameters.
LIST_QUERY = without_nul(validation.query({
    "limit": LIMIT, "marker": MARKER, "hypervisor_hostname_pattern": HOST,
    "with_servers": BOOLEAN,
}))
SHOW_QUERY = validation.query({"with_servers": BOOLEAN})

# The fields 2.88 removed from the detailed view.
_RESOURCE_FIELDS = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                    "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                    "running_vms", "disk_available_least")


def cpu_info(vcpus: int) -> dict[str, Any]:
    """What a simulated host says of its CPU (a real driver would report its own)."""
    return {"arch": "x86_64", "model": "nimbus-virtual", "vendor": "nimbus",
            "topology": {"cores": 1, "threads": 1, "sockets": vcpus}, "features": []}


def view(h: Hypervisor, at_least: AtLeast, *, detail: bool, hypervisor_type: str = "",
         host_ip: str | None = None, uptime: str | None = None,
         with_servers: bool = False) -> dict[str, Any]:
    service = h.service
    uuids = at_least("2.53")
    body: dict[str, Any] = {
        "id": service.hypervisor_uuid if uuids else service.id,
        "hypervisor_hostname": h.host,
        "state": "up" if service.up else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        body.update({
            "hypervisor_type": hypervisor_type, "hypervisor_version": 1000, "host_ip": host_ip,
            "service": {"id": service.uuid if uuids else service.id, "host": h.host,
                        "disabled_reason": service.disabled_reason},
        })
        if not at_least("2.88"):
            for name in _RESOURCE_FIELDS:
                body[name] = h.resources.get(name, 0)
            # A real host's own account (with the qemu driver, its accelerator and why).
            info = h.service.details.get("cpu_info") or cpu_info(h.resources.get("vcpus", 0))
            body["cpu_info"] = info if at_least("2.28") else json.dumps(info)
        else:
            body["uptime"] = uptime
    if h.servers:
        body["servers"] = [{"name": name, "uuid": uuid} for uuid, name in h.servers]
    elif with_servers and at_least("2.75"):
        # From 2.75 a request for servers always gets the list, if empty.
        body["servers"] = []
    return body


def statistics(totals: dict[str, int]) -> dict[str, Any]:
    return {"hypervisor_statistics": dict(totals)}
