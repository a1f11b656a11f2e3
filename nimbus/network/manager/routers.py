"""Routers: the gateway port on an external network, extra routes, and what blocks a delete."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import conntrack_helpers as helper_db
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import routers as router_db
from nimbus.network.db import subnets as subnet_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager import ipam
from nimbus.network.manager.access import Access
from nimbus.network.manager.flavors import router_flavor
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.ports import PortManager
from nimbus.network.schemas import views
from nimbus.network.states import ROUTER_STATUS


class RouterManager:
    def __init__(self, db: Database, access: Access, ports: PortManager,
                 driver: NetworkDriver) -> None:
        self.db = db
        self.access = access
        self.ports = ports
        self.driver = driver
        # Hosts a router on an agent (the l3_agent_scheduler), when the service has agents.
        self.schedule: Callable[[str], None] | None = None

    def view(self, session: Session, row: models.Router) -> dict[str, Any]:
        port = port_db.get(session, row.gw_port_id) if row.gw_port_id else None
        return views.router(row, self.ports.view(session, port) if port is not None else None)

    def sync(self, router_id: str) -> None:
        """Hand the driver the router as it now is."""
        with self.db.reader() as session:
            row = router_db.get(session, router_id)
            if row is None:
                return
            interfaces = [self.ports.view(session, p)
                          for p in port_db.interfaces(session, row.id)]
            view = self.view(session, row)
            gw = port_db.get(session, row.gw_port_id) if row.gw_port_id else None
            gateway = self.ports.view(session, gw) if gw is not None else None
        if self.schedule is not None and (interfaces or gateway):
            self.schedule(router_id)
        self.driver.sync_router(view, interfaces, gateway)

    @retry_on_lock()
    def create_router(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            self.access.check_quota(session, project, "router")
            row = models.Router(project_id=project, name=attrs.get("name", ""),
                                description=attrs.get("description", ""),
                                admin_state_up=attrs.get("admin_state_up", True),
                                distributed=bool(attrs.get("distributed", False)),
                                ha=bool(attrs.get("ha", False)),
                                availability_zone_hints=list(
                                    attrs.get("availability_zone_hints") or []),
                                status=ROUTER_STATUS.start(c.ACTIVE), revision_number=1)
            if attrs.get("flavor_id") is not None:
                row.flavor_id = router_flavor(session, str(attrs["flavor_id"])).id
            session.add(row)
            session.flush()
            if attrs.get("external_gateway_info"):
                self._set_gateway(session, ctx, row, attrs["external_gateway_info"])
            view = self.view(session, row)
        self.sync(view["id"])
        return view

    def _set_gateway(self, session: Session, ctx: RequestContext, row: models.Router,
                     info: dict[str, Any] | None) -> None:
        if not info or not info.get("network_id"):
            self._clear_gateway(session, row)
            return
        net = network_db.get(session, info["network_id"])
        external = net is not None and self.access.external_for(session, ctx, net)
        if net is None or not (ctx.is_admin or external or net.project_id == ctx.project_id):
            raise nerr.NetworkNotFound(id=info["network_id"])
        if not external:
            raise nerr.BadRequest(resource="router",
                                  msg=f"Network {net.id} is not an external network")
        wanted_ips = info.get("external_fixed_ips")
        if row.gw_network_id == net.id and row.gw_port_id and wanted_ips is None:
            row.enable_snat = info.get("enable_snat", row.enable_snat)
            return
        self._clear_gateway(session, row)
        port = self.ports.create_port_in(session, RequestContext.admin(), {
            "network_id": net.id, "device_id": row.id, "device_owner": c.OWNER_ROUTER_GATEWAY,
            "fixed_ips": wanted_ips, "name": "",
        }, project="")
        row.gw_network_id, row.gw_port_id = net.id, port["id"]
        row.enable_snat = info.get("enable_snat", True)

    def _clear_gateway(self, session: Session, row: models.Router) -> None:
        if not row.gw_port_id:
            row.gw_network_id = None
            return
        if router_db.floating_ips(session, row.id):
            raise nerr.Conflict(reason=f"Gateway cannot be updated for router {row.id}, since a "
                                "gateway to external network is required by one or more "
                                "floating IPs",
                                neutron_type="RouterExternalGatewayInUseByFloatingIp")
        port = port_db.get(session, row.gw_port_id)
        if port is not None:
            port_db.drop(session, port)
        row.gw_network_id = row.gw_port_id = None
        row.enable_snat = True

    def report_status(self, statuses: dict[str, str]) -> None:
        """What the agents found: ACTIVE where a router's namespace, legs and NAT are in place,
        ERROR where they could not be (the agent tries again at its next sync)."""
        with self.db.writer() as session:
            for router_id, status in statuses.items():
                row = session.get(models.Router, router_id)
                if row is None or row.status == status:
                    continue
                ROUTER_STATUS.move(row, status)
                row.touch()

    def get_router(self, ctx: RequestContext, router_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self.view(session, self.access.router(session, ctx, router_id))

    def list_routers(self, ctx: RequestContext, query: PageQuery | None = None,
                     filters: Filters | None = None,
                     hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            # Only admins list every project's routers (the service role sees its own).
            seen = router_db.visible(ctx.project_id, ctx.is_admin)
            page = router_db.list_page(session, query or PageQuery(), filters or {}, hidden,
                                       seen)
            gw_ids = [row.gw_port_id for row in page.items if row.gw_port_id]
            gw_ports = port_db.many(session, gw_ids)
            allocs = port_db.allocations_of(session, list(gw_ports))
            shown = []
            for row in page.items:
                port = gw_ports.get(row.gw_port_id or "")
                gateway = views.port(port, allocs[port.id]) if port is not None else None
                shown.append(views.router(row, gateway))
            return with_items(page, shown)

    def find(self, name: str, project_id: str) -> dict[str, Any] | None:
        with self.db.reader() as session:
            row = router_db.find(session, name, project_id)
            return self.view(session, row) if row is not None else None

    @retry_on_lock()
    def update_router(self, ctx: RequestContext, router_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.router(session, ctx, router_id)
            for key in ("name", "description", "admin_state_up"):
                if key in attrs:
                    setattr(row, key, attrs[key])
            _migrate(row, attrs)
            if "external_gateway_info" in attrs:
                self._set_gateway(session, ctx, row, attrs["external_gateway_info"])
            if "routes" in attrs:
                row.routes = _checked_routes(session, row, attrs["routes"] or [])
            row.touch()
            session.flush()
            view = self.view(session, row)
        self.sync(router_id)
        return view

    def interfaces_of(self, router_id: str) -> list[str]:
        """The ids of the router's interface ports."""
        with self.db.reader() as session:
            return [p.id for p in port_db.interfaces(session, router_id)]

    @retry_on_lock()
    def change_routes(self, ctx: RequestContext, router_id: str, routes: list[dict[str, str]],
                      add: bool) -> dict[str, Any]:
        """Add routes to, or remove them from, the router's own in one step."""
        with self.db.writer() as session:
            row = self.access.router(session, ctx, router_id)
            have = [dict(r) for r in row.routes or []]
            if add:
                new = [r for r in routes if r not in have]
                row.routes = have + _checked_routes(session, row, list(
                    {(r["destination"], r["nexthop"]): r for r in new}.values()))
            else:
                row.routes = [r for r in have if r not in routes]
            row.touch()
            session.flush()
            view = self.view(session, row)
        self.sync(router_id)
        return view

    @retry_on_lock()
    def delete_router(self, ctx: RequestContext, router_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.router(session, ctx, router_id)
            if port_db.interfaces(session, router_id):
                raise nerr.RouterInUse(id=router_id, reason="still has ports")
            self._clear_gateway(session, row)
            view = views.router(row, None)
            for helper in helper_db.of_router(session, row.id):
                session.delete(helper)
            # Its conntrack helpers first: the router's row may take them with it (ON DELETE
            # CASCADE).
            session.flush()
            session.delete(row)
        self.driver.delete_router(view)


def _migrate(row: models.Router, attrs: dict[str, Any]) -> None:
    """A change of ``distributed`` or ``ha``, which Neutron allows only while the router is
    down (it rebuilds the router elsewhere)."""
    for key, says in (("distributed", "Cannot upgrade active router to distributed. Please "
                                      "set router admin_state_up to False prior to upgrade"),
                      ("ha", "Cannot change HA attribute of active routers. Please set router "
                             "admin_state_up to False prior to upgrade")):
        if key in attrs and bool(attrs[key]) != getattr(row, key):
            if row.admin_state_up:
                raise nerr.BadRequest(resource="router", msg=says)
            setattr(row, key, bool(attrs[key]))


def _checked_routes(session: Session, row: models.Router,
                    routes: list[dict[str, str]]) -> list[dict[str, str]]:
    """Extra routes, each through a next hop on one of the router's subnets."""
    cidrs: list[ipam.Network] = []
    for port in port_db.interfaces(session, row.id):
        subnets = subnet_db.many(session, port_db.subnet_ids(session, port.id))
        cidrs.extend(ipaddress.ip_network(s.cidr) for s in subnets.values())
    for route in routes:
        hop = ipaddress.ip_address(route["nexthop"])
        if not any(hop in cidr for cidr in cidrs):
            raise nerr.InvalidInput(
                error_message=f"Invalid format for routes: {route}, the nexthop is not "
                              "connected with router", neutron_type="InvalidRoutes")
    return routes
