"""First-start data: the external ``public`` network and the demo project's network and router.

Idempotent: each piece is looked up by name and owner before it is created. Without the ids the
identity bootstrap learned (unit tests), there is nothing to do.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.platform import Facts
from nimbus.network.manager import NetworkManager

LOG = logging.getLogger(__name__)

PUBLIC_CIDR = "172.24.4.0/24"
PRIVATE_CIDR = "10.0.0.0/26"


def _find(items: list[dict[str, Any]], name: str, project: str) -> dict[str, Any] | None:
    return next((i for i in items if i["name"] == name and i["project_id"] == project), None)


def run(manager: NetworkManager, facts: Facts) -> None:
    projects = facts.projects
    admin_project, demo_project = projects.get("admin"), projects.get("demo")
    if not admin_project:
        LOG.info("network bootstrap skipped: the identity bootstrap has not named the projects")
        return
    ctx = RequestContext.admin()
    public = _find(manager.list_networks(ctx), "public", admin_project) or \
        manager.create_network(ctx, {"name": "public", "project_id": admin_project,
                                     "router:external": True, "shared": False,
                                     "provider:network_type": "flat",
                                     "provider:physical_network": "public"})
    public_subnet = _find(manager.list_subnets(ctx), "public-subnet", admin_project) or \
        manager.create_subnet(ctx, {"name": "public-subnet", "project_id": admin_project,
                                    "network_id": public["id"], "ip_version": 4,
                                    "cidr": PUBLIC_CIDR, "gateway_ip": "172.24.4.1",
                                    "enable_dhcp": False})
    if not demo_project:
        return
    private = _find(manager.list_networks(ctx), "private", demo_project) or \
        manager.create_network(ctx, {"name": "private", "project_id": demo_project})
    private_subnet = _find(manager.list_subnets(ctx), "private-subnet", demo_project) or \
        manager.create_subnet(ctx, {"name": "private-subnet", "project_id": demo_project,
                                    "network_id": private["id"], "ip_version": 4,
                                    "cidr": PRIVATE_CIDR})
    router = _find(manager.list_routers(ctx), "router1", demo_project) or \
        manager.create_router(ctx, {"name": "router1", "project_id": demo_project,
                                    "external_gateway_info": {"network_id": public["id"]}})
    interfaces = [p for p in manager.list_ports(ctx) if p["device_id"] == router["id"]
                  and any(ip["subnet_id"] == private_subnet["id"] for ip in p["fixed_ips"])]
    if not interfaces:
        manager.add_interface(ctx, router["id"], {"subnet_id": private_subnet["id"]})
    LOG.info("network bootstrap: public %s (%s), private %s", public["id"],
             public_subnet["cidr"], private["id"])
