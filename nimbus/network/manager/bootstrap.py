"""First-start data: the external ``public`` network and the demo project's network and router,
and what "get me a network" allocates from: ``public`` as the default external network and a
shared default IPv4 subnet pool, as DevStack makes them.

Idempotent: each piece is looked up by name and owner before it is created. Without the ids the
identity bootstrap learned (unit tests), there is nothing to do.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.errors import NimbusError
from nimbus.core.platform import Facts
from nimbus.network.manager.networks import NetworkManager
from nimbus.network.manager.ports import PortManager
from nimbus.network.manager.router_interfaces import RouterInterfaceManager
from nimbus.network.manager.routers import RouterManager
from nimbus.network.manager.subnet_pools import SubnetPoolManager
from nimbus.network.manager.subnets import SubnetManager

LOG = logging.getLogger(__name__)

PUBLIC_CIDR = "172.24.4.0/24"
PRIVATE_CIDR = "10.0.0.0/26"
# Where auto-allocated networks take their subnets: out of the way of the private network and
# of tempest's project networks (10.100.0.0/16).
DEFAULT_POOL_PREFIX = "10.128.0.0/16"
DEFAULT_POOL_NAME = "shared-default-subnetpool-v4"


class FirstStart:
    def __init__(self, networks: NetworkManager, subnets: SubnetManager, ports: PortManager,
                 routers: RouterManager, interfaces: RouterInterfaceManager,
                 pools: SubnetPoolManager | None = None) -> None:
        self.pools = pools
        self.networks = networks
        self.subnets = subnets
        self.ports = ports
        self.routers = routers
        self.interfaces = interfaces

    def run(self, facts: Facts) -> None:
        admin_project, demo_project = facts.projects.get("admin"), facts.projects.get("demo")
        if not admin_project:
            LOG.info("network bootstrap skipped: the identity bootstrap has not named the "
                     "projects")
            return
        ctx = RequestContext.admin()
        public = self.networks.find("public", admin_project) or \
            self.networks.create_network(ctx, {
                "name": "public", "project_id": admin_project, "router:external": True,
                "shared": False, "provider:network_type": "flat",
                "provider:physical_network": "public"})
        public_subnet = self.subnets.find("public-subnet", admin_project) or \
            self.subnets.create_subnet(ctx, {
                "name": "public-subnet", "project_id": admin_project,
                "network_id": public["id"], "ip_version": 4, "cidr": PUBLIC_CIDR,
                "gateway_ip": "172.24.4.1", "enable_dhcp": False})
        self._defaults(ctx, public, admin_project)
        if not demo_project:
            return
        private = self.networks.find("private", demo_project) or \
            self.networks.create_network(ctx, {"name": "private", "project_id": demo_project})
        private_subnet = self.subnets.find("private-subnet", demo_project) or \
            self.subnets.create_subnet(ctx, {
                "name": "private-subnet", "project_id": demo_project,
                "network_id": private["id"], "ip_version": 4, "cidr": PRIVATE_CIDR})
        router = self.routers.find("router1", demo_project) or \
            self.routers.create_router(ctx, {
                "name": "router1", "project_id": demo_project,
                "external_gateway_info": {"network_id": public["id"]}})
        interfaces = self.ports.list_ports(ctx, filters={
            "device_id": [router["id"]], "fixed_ips": [f"subnet_id={private_subnet['id']}"]})
        if not interfaces.items:
            self.interfaces.add_interface(ctx, router["id"], {"subnet_id": private_subnet["id"]})
        LOG.info("network bootstrap: public %s (%s), private %s", public["id"],
                 public_subnet["cidr"], private["id"])

    def _defaults(self, ctx: RequestContext, public: dict[str, Any], admin_project: str) -> None:
        """``public`` as the default external network, and a default IPv4 pool, unless an
        operator has chosen others."""
        if not public.get("is_default"):
            try:
                self.networks.update_network(ctx, public["id"], {"is_default": True})
            except NimbusError as exc:
                LOG.info("network bootstrap: public is not the default external network: %s",
                         exc)
        if self.pools is not None and self.pools.default_pool(4) is None:
            self.pools.create_pool(ctx, {
                "name": DEFAULT_POOL_NAME, "project_id": admin_project,
                "prefixes": [DEFAULT_POOL_PREFIX], "default_prefixlen": 26,
                "shared": True, "is_default": True})
