"""Routers: the gateway port on an external network and interface ports on subnets."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import retry_on_lock
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.manager.base import ManagerBase
from nimbus.network.schemas import views


class RouterOps(ManagerBase):
    # These come from the sibling mixins that make up the manager.
    port_view: Any
    create_port_in: Any
    _drop_port: Any

    def router_view(self, session: Session, row: models.Router) -> dict[str, Any]:
        gateway = None
        if row.gw_port_id:
            port = session.get(models.Port, row.gw_port_id)
            gateway = self.port_view(session, port) if port is not None else None
        return views.router(row, gateway)

    def _interfaces(self, session: Session, router_id: str) -> list[models.Port]:
        return list(session.scalars(select(models.Port).where(
            models.Port.device_id == router_id,
            models.Port.device_owner == c.OWNER_ROUTER_INTERFACE)).all())

    def _sync(self, router_id: str) -> None:
        with self.db.reader() as session:
            row = session.get(models.Router, router_id)
            if row is None:
                return
            interfaces = [self.port_view(session, p) for p in self._interfaces(session, row.id)]
            view = self.router_view(session, row)
            gw = session.get(models.Port, row.gw_port_id) if row.gw_port_id else None
            gateway = self.port_view(session, gw) if gw is not None else None
        self.driver.sync_router(view, interfaces, gateway)

    @retry_on_lock()
    def create_router(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            self.check_quota(session, project, "router")
            row = models.Router(project_id=project, name=attrs.get("name", ""),
                                description=attrs.get("description", ""),
                                admin_state_up=attrs.get("admin_state_up", True),
                                revision_number=1)
            session.add(row)
            session.flush()
            if attrs.get("external_gateway_info"):
                self._set_gateway(session, ctx, row, attrs["external_gateway_info"])
            view = self.router_view(session, row)
        self._sync(view["id"])
        return view

    def _set_gateway(self, session: Session, ctx: RequestContext, row: models.Router,
                     info: dict[str, Any] | None) -> None:
        if not info or not info.get("network_id"):
            self._clear_gateway(session, row)
            return
        net = session.get(models.Network, info["network_id"])
        if net is None or not (ctx.is_admin or net.external or net.project_id == ctx.project_id):
            raise nerr.NetworkNotFound(id=info["network_id"])
        if not net.external:
            raise nerr.BadRequest(resource="router",
                                  msg=f"Network {net.id} is not an external network")
        wanted_ips = info.get("external_fixed_ips")
        if row.gw_network_id == net.id and row.gw_port_id and wanted_ips is None:
            row.enable_snat = info.get("enable_snat", row.enable_snat)
            return
        self._clear_gateway(session, row)
        admin = RequestContext.admin()
        port = self.create_port_in(session, admin, {
            "network_id": net.id, "device_id": row.id, "device_owner": c.OWNER_ROUTER_GATEWAY,
            "fixed_ips": wanted_ips, "name": "",
        }, project="")
        row.gw_network_id, row.gw_port_id = net.id, port["id"]
        row.enable_snat = info.get("enable_snat", True)

    def _clear_gateway(self, session: Session, row: models.Router) -> None:
        if not row.gw_port_id:
            row.gw_network_id = None
            return
        in_use = session.scalars(select(models.FloatingIP).where(
            models.FloatingIP.router_id == row.id)).first()
        if in_use is not None:
            raise nerr.Conflict(reason=f"Gateway cannot be updated for router {row.id}, since a "
                                "gateway to external network is required by one or more "
                                "floating IPs",
                                neutron_type="RouterExternalGatewayInUseByFloatingIp")
        port = session.get(models.Port, row.gw_port_id)
        if port is not None:
            self._drop_port(session, port)
        row.gw_network_id = row.gw_port_id = None
        row.enable_snat = True

    def get_router(self, ctx: RequestContext, router_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self.router_view(session, self.router_row(session, ctx, router_id))

    def list_routers(self, ctx: RequestContext) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            stmt = select(models.Router)
            if not ctx.is_admin:
                stmt = stmt.where(models.Router.project_id == ctx.project_id)
            return [self.router_view(session, row) for row in session.scalars(stmt)]

    @retry_on_lock()
    def update_router(self, ctx: RequestContext, router_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.router_row(session, ctx, router_id)
            for key in ("name", "description", "admin_state_up"):
                if key in attrs:
                    setattr(row, key, attrs[key])
            if "external_gateway_info" in attrs:
                self._set_gateway(session, ctx, row, attrs["external_gateway_info"])
            if "routes" in attrs:
                row.routes = self._checked_routes(session, row, attrs["routes"] or [])
            self.touch(row)
            session.flush()
            view = self.router_view(session, row)
        self._sync(router_id)
        return view

    def _checked_routes(self, session: Session, row: models.Router,
                        routes: list[dict[str, str]]) -> list[dict[str, str]]:
        cidrs = []
        for port in self._interfaces(session, row.id):
            for alloc in session.scalars(select(models.IPAllocation).where(
                    models.IPAllocation.port_id == port.id)):
                subnet = session.get(models.Subnet, alloc.subnet_id)
                if subnet is not None:
                    cidrs.append(ipaddress.ip_network(subnet.cidr))
        for route in routes:
            hop = ipaddress.ip_address(route["nexthop"])
            if not any(hop in cidr for cidr in cidrs):
                raise nerr.InvalidInput(
                    error_message=f"Invalid format for routes: {route}, the nexthop is not "
                                  "connected with router", neutron_type="InvalidRoutes")
        return routes

    @retry_on_lock()
    def delete_router(self, ctx: RequestContext, router_id: str) -> None:
        with self.db.writer() as session:
            row = self.router_row(session, ctx, router_id)
            if self._interfaces(session, router_id):
                raise nerr.RouterInUse(id=router_id, reason="still has ports")
            self._clear_gateway(session, row)
            view = views.router(row, None)
            session.delete(row)
        self.driver.delete_router(view)

    # -- interfaces -------------------------------------------------------------------------
    @retry_on_lock()
    def add_interface(self, ctx: RequestContext, router_id: str,
                      body: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.router_row(session, ctx, router_id)
            if body.get("port_id"):
                port = self._adopt_port(session, ctx, row, body["port_id"])
            else:
                port = self._interface_on_subnet(session, ctx, row, body["subnet_id"])
            self.touch(row)
            session.flush()
            view = self.port_view(session, port)
        self._sync(router_id)
        subnet_ids = [ip["subnet_id"] for ip in view["fixed_ips"]]
        return {"id": router_id, "tenant_id": row.project_id, "project_id": row.project_id,
                "port_id": view["id"], "network_id": view["network_id"],
                "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids}

    def _check_overlap(self, session: Session, router_id: str, cidr: str,
                       subnet_id: str, skip_port: str | None = None) -> None:
        new = ipaddress.ip_network(cidr)
        for port in self._interfaces(session, router_id):
            if port.id == skip_port:
                continue
            for alloc in session.scalars(select(models.IPAllocation).where(
                    models.IPAllocation.port_id == port.id)):
                if alloc.subnet_id == subnet_id:
                    raise nerr.BadRequest(resource="router", msg=f"Router already has a port on "
                                          f"subnet {subnet_id}")
                other = session.get(models.Subnet, alloc.subnet_id)
                if other is not None and new.overlaps(ipaddress.ip_network(other.cidr)):
                    raise nerr.BadRequest(resource="router", msg=f"Cidr {cidr} of subnet "
                                          f"{subnet_id} overlaps with cidr {other.cidr} of "
                                          f"subnet {other.id}")

    def _interface_on_subnet(self, session: Session, ctx: RequestContext, row: models.Router,
                             subnet_id: str) -> models.Port:
        subnet = self.subnet_row(session, ctx, subnet_id)
        if not subnet.gateway_ip:
            raise nerr.BadRequest(resource="router", msg="Subnet for router interface must "
                                  "have a gateway IP")
        self._check_overlap(session, row.id, subnet.cidr, subnet.id)
        view = self.create_port_in(session, ctx, {
            "network_id": subnet.network_id, "device_id": row.id,
            "device_owner": c.OWNER_ROUTER_INTERFACE, "name": "",
            "fixed_ips": [{"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}],
        }, project=row.project_id)
        port = session.get(models.Port, view["id"])
        assert port is not None
        return port

    def _adopt_port(self, session: Session, ctx: RequestContext, row: models.Router,
                    port_id: str) -> models.Port:
        port = self.port_row(session, ctx, port_id)
        if port.device_id or port.device_owner:
            raise nerr.PortInUse(id=port.id, net_id=port.network_id, device_id=port.device_id)
        allocs = session.scalars(select(models.IPAllocation).where(
            models.IPAllocation.port_id == port.id)).all()
        if not allocs:
            raise nerr.BadRequest(resource="router", msg="Router port must have at least one "
                                  "fixed IP")
        for alloc in allocs:
            subnet = session.get(models.Subnet, alloc.subnet_id)
            if subnet is not None:
                self._check_overlap(session, row.id, subnet.cidr, subnet.id)
        port.device_id, port.device_owner = row.id, c.OWNER_ROUTER_INTERFACE
        port.security_groups = []
        port.status = c.ACTIVE
        self.touch(port)
        return port

    @retry_on_lock()
    def remove_interface(self, ctx: RequestContext, router_id: str,
                         body: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.router_row(session, ctx, router_id)
            ports = self._interfaces(session, router_id)
            port = None
            subnet_id = body.get("subnet_id")
            if body.get("port_id"):
                port = next((p for p in ports if p.id == body["port_id"]), None)
                if port is None:
                    raise nerr.RouterInterfaceNotFound(router_id=router_id,
                                                       port_id=body["port_id"])
            else:
                self.subnet_row(session, ctx, subnet_id or "")
                for candidate in ports:
                    subnets = session.scalars(select(models.IPAllocation.subnet_id).where(
                        models.IPAllocation.port_id == candidate.id)).all()
                    if subnet_id in subnets:
                        port = candidate
                        break
                if port is None:
                    raise nerr.RouterInterfaceNotFoundForSubnet(router_id=router_id,
                                                                subnet_id=subnet_id)
            view = self.port_view(session, port)
            subnet_ids = [ip["subnet_id"] for ip in view["fixed_ips"]]
            self._check_fip_use(session, row.id, subnet_ids)
            self._drop_port(session, port)
            self.touch(row)
        self._sync(router_id)
        return {"id": router_id, "tenant_id": row.project_id, "project_id": row.project_id,
                "port_id": view["id"], "network_id": view["network_id"],
                "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids}

    def _check_fip_use(self, session: Session, router_id: str, subnet_ids: list[str]) -> None:
        for fip in session.scalars(select(models.FloatingIP).where(
                models.FloatingIP.router_id == router_id)):
            for alloc in session.scalars(select(models.IPAllocation).where(
                    models.IPAllocation.port_id == fip.port_id)):
                if alloc.subnet_id in subnet_ids:
                    raise nerr.RouterInterfaceInUseByFloatingIP(subnet_id=alloc.subnet_id,
                                                                router_id=router_id)
