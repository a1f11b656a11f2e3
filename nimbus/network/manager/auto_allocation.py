"""Get me a network (Neutron's ``auto-allocated-topology``): the first time a project asks, it
gets a network with a subnet from each default subnet pool and a router from those subnets to
the default external network; after that it gets the same ones. Nova asks for it when a
server is created with ``networks: auto`` and the project has no network of its own.

The pieces are made by their own managers, on the caller's behalf but owned by the project;
when one fails, those already made are deleted again and the project has nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError
from nimbus.network import errors as nerr
from nimbus.network.db import addressing as pool_db
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.manager.networks import NetworkManager
from nimbus.network.manager.router_interfaces import RouterInterfaceManager
from nimbus.network.manager.routers import RouterManager
from nimbus.network.manager.subnets import SubnetManager

LOG = logging.getLogger(__name__)
NETWORK_NAME = "auto_allocated_network"
ROUTER_NAME = "auto_allocated_router"


def view(project_id: str, network_id: str) -> dict[str, Any]:
    return {"id": network_id, "project_id": project_id, "tenant_id": project_id}


class AutoAllocator:
    def __init__(self, db: Database, networks: NetworkManager, subnets: SubnetManager,
                 routers: RouterManager, interfaces: RouterInterfaceManager) -> None:
        self.db = db
        self.networks = networks
        self.subnets = subnets
        self.routers = routers
        self.interfaces = interfaces

    def _requirements(self) -> tuple[str, list[int]]:
        """The default external network and the IP versions with a default pool, or the
        reason there is nothing to allocate from (409, as Neutron's)."""
        with self.db.reader() as session:
            external = network_db.default_external(session)
            versions = [v for v in (4, 6) if pool_db.default_pool(session, v) is not None]
        if external is None:
            raise nerr.Conflict(reason="Deployment error: No default router:external "
                                "network.", neutron_type="AutoAllocationFailure")
        if not versions:
            raise nerr.Conflict(reason="Deployment error: No default subnetpools defined.",
                                neutron_type="AutoAllocationFailure")
        return external.id, versions

    def get(self, ctx: RequestContext, project_id: str, dry_run: bool = False
            ) -> dict[str, Any]:
        with self.db.reader() as session:
            row = session.get(models.AutoAllocatedTopology, project_id)
            if row is not None and not dry_run:
                return view(project_id, row.network_id)
        external, versions = self._requirements()
        if dry_run:
            return {"dry-run": "pass"}
        return self._build(ctx, project_id, external, versions)

    def _build(self, ctx: RequestContext, project_id: str, external: str,
               versions: list[int]) -> dict[str, Any]:
        made: list[tuple[str, str]] = []
        try:
            net = self.networks.create_network(ctx, {"name": NETWORK_NAME,
                                                     "project_id": project_id})
            made.append(("network", net["id"]))
            subnets = [self.subnets.create_subnet(ctx, {
                "name": f"auto_allocated_subnet_v{v}", "network_id": net["id"],
                "project_id": project_id, "ip_version": v, "use_default_subnetpool": True})
                for v in versions]
            router = self.routers.create_router(ctx, {
                "name": ROUTER_NAME, "project_id": project_id,
                "external_gateway_info": {"network_id": external}})
            made.append(("router", router["id"]))
            for subnet in subnets:
                self.interfaces.add_interface(ctx, router["id"], {"subnet_id": subnet["id"]})
            with self.db.writer() as session:
                if session.get(models.AutoAllocatedTopology, project_id) is not None:
                    raise nerr.Conflict(reason="another request allocated it meanwhile")
                session.add(models.AutoAllocatedTopology(project_id=project_id,
                                                         network_id=net["id"],
                                                         router_id=router["id"]))
        except NimbusError as exc:
            self._undo(made)
            with self.db.reader() as session:
                row = session.get(models.AutoAllocatedTopology, project_id)
            if row is not None:       # a concurrent request won: its topology is the one
                return view(project_id, row.network_id)
            raise nerr.Conflict(reason=f"Unable to allocate a network for project "
                                f"{project_id}: {exc}",
                                neutron_type="AutoAllocationFailure") from None
        return view(project_id, net["id"])

    def delete(self, ctx: RequestContext, project_id: str) -> None:
        """Delete a project's topology: its router, then its network."""
        with self.db.reader() as session:
            row = session.get(models.AutoAllocatedTopology, project_id)
            found = (row.network_id, row.router_id) if row is not None else None
        if found is None:
            raise nerr.AutoAllocatedTopologyNotFound(project_id=project_id)
        network_id, router_id = found
        self._undo([("network", network_id)] + ([("router", router_id)] if router_id else []))
        with self.db.writer() as session:
            row = session.get(models.AutoAllocatedTopology, project_id)
            if row is not None:
                session.delete(row)

    def _undo(self, made: list[tuple[str, str]]) -> None:
        admin = RequestContext.admin()
        for kind, item_id in reversed(made):
            try:
                if kind == "router":
                    self.routers.update_router(admin, item_id, {"routes": []})
                    for port in self.routers.interfaces_of(item_id):
                        self.interfaces.remove_interface(admin, item_id, {"port_id": port})
                    self.routers.delete_router(admin, item_id)
                else:
                    self.networks.delete_network(admin, item_id)
            except NimbusError as exc:
                LOG.warning("auto-allocated %s %s not removed: %s", kind, item_id, exc)
