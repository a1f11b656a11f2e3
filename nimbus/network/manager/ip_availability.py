"""How full each network's subnets are (Neutron's ``network-ip-availability``), for admins:
the addresses of each subnet's allocation pools, and how many of its addresses are given out
(the router's and DHCP server's included, as Neutron counts them)."""

from __future__ import annotations

import ipaddress
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import subnets as subnet_db


def pool_size(subnet: models.Subnet) -> int:
    """The addresses of a subnet's allocation pools."""
    total = 0
    for pool in subnet.allocation_pools or []:
        start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
        total += int(end) - int(start) + 1
    return total


class IpAvailabilityManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def availabilities(self, filters: dict[str, list[str]]) -> list[dict[str, Any]]:
        """Every network's availability, or those the filters name (``network_id``,
        ``network_name``, ``project_id``/``tenant_id``, ``ip_version``)."""
        with self.db.reader() as session:
            ids = filters.get("network_id")
            networks = (list(network_db.by_ids(session, ids).values()) if ids
                        else network_db.every(session))
            names, projects = filters.get("network_name"), (
                filters.get("project_id") or filters.get("tenant_id"))
            networks = [n for n in networks if (not names or n.name in names)
                        and (not projects or n.project_id in projects)]
            subnets = subnet_db.of_networks(session, [n.id for n in networks])
            versions = {int(v) for v in filters.get("ip_version", []) if str(v).isdigit()}
            if versions:
                subnets = [s for s in subnets if s.ip_version in versions]
            used = subnet_db.used_counts(session, [s.id for s in subnets])
            by_network: dict[str, list[models.Subnet]] = {}
            for subnet in subnets:
                by_network.setdefault(subnet.network_id, []).append(subnet)
            return [_view(n, by_network.get(n.id, []), used) for n in networks
                    if not versions or n.id in by_network]

    def availability(self, network_id: str) -> dict[str, Any]:
        found = self.availabilities({"network_id": [network_id]})
        if not found:
            raise nerr.NetworkNotFound(id=network_id)
        return found[0]


def _view(net: models.Network, subnets: list[models.Subnet],
          used: dict[str, int]) -> dict[str, Any]:
    per_subnet = [{"subnet_id": s.id, "subnet_name": s.name, "cidr": s.cidr,
                   "ip_version": s.ip_version, "total_ips": pool_size(s),
                   "used_ips": used.get(s.id, 0)} for s in subnets]
    return {"network_id": net.id, "network_name": net.name, "project_id": net.project_id,
            "tenant_id": net.project_id,
            "total_ips": sum(s["total_ips"] for s in per_subnet),
            "used_ips": sum(s["used_ips"] for s in per_subnet),
            "subnet_ip_availability": per_subnet}
