"""Floating IPs: an address on an external network, NATed to a port through a router."""

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


class FloatingIpOps(ManagerBase):
    create_port_in: Any
    _drop_port: Any

    def fip_row(self, session: Session, ctx: RequestContext, fip_id: str) -> models.FloatingIP:
        row = session.get(models.FloatingIP, fip_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.FloatingIPNotFound(id=fip_id)
        return row

    @retry_on_lock()
    def create_floatingip(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            net = self.network_row(session, ctx, attrs["floating_network_id"])
            if not net.external:
                raise nerr.BadRequest(resource="floatingip", msg=f"Network {net.id} is not a "
                                      "valid external network")
            self.check_quota(session, project, "floatingip")
            row = models.FloatingIP(project_id=project, floating_network_id=net.id,
                                    description=attrs.get("description", ""),
                                    revision_number=1, floating_ip_address="",
                                    floating_port_id="")
            session.add(row)
            session.flush()
            fixed: dict[str, Any] = {}
            if attrs.get("floating_ip_address"):
                fixed["ip_address"] = attrs["floating_ip_address"]
            if attrs.get("subnet_id"):
                fixed["subnet_id"] = attrs["subnet_id"]
            port = self.create_port_in(session, RequestContext.admin(), {
                "network_id": net.id, "device_id": row.id, "device_owner": c.OWNER_FLOATINGIP,
                "fixed_ips": [fixed] if fixed else None, "name": "",
            }, project="")
            v4 = [ip for ip in port["fixed_ips"]
                  if ipaddress.ip_address(ip["ip_address"]).version == 4]
            if not v4:
                raise nerr.BadRequest(resource="floatingip", msg=f"Network {net.id} has no "
                                      "IPv4 subnet for floating IPs")
            row.floating_ip_address = v4[0]["ip_address"]
            row.floating_port_id = port["id"]
            if attrs.get("port_id"):
                self._associate(session, ctx, row, attrs["port_id"],
                                attrs.get("fixed_ip_address"))
            session.flush()
            view = views.floating_ip(row)
        self.driver.sync_floating_ip(view)
        return view

    def _associate(self, session: Session, ctx: RequestContext, row: models.FloatingIP,
                   port_id: str, fixed_ip: str | None) -> None:
        port = self.port_row(session, ctx, port_id)
        allocs = session.scalars(select(models.IPAllocation).where(
            models.IPAllocation.port_id == port.id)).all()
        v4 = [a for a in allocs if ipaddress.ip_address(a.ip_address).version == 4]
        if fixed_ip is not None:
            v4 = [a for a in v4 if a.ip_address == fixed_ip]
            if not v4:
                raise nerr.BadRequest(resource="floatingip", msg=f"Port {port.id} does not have "
                                      f"fixed ip {fixed_ip}")
        if not v4:
            raise nerr.BadRequest(resource="floatingip", msg=f"No IPv4 address found on port "
                                  f"{port.id}")
        alloc = v4[0]
        for other in session.scalars(select(models.FloatingIP).where(
                models.FloatingIP.port_id == port.id,
                models.FloatingIP.fixed_ip_address == alloc.ip_address)):
            if other.id != row.id and other.floating_network_id == row.floating_network_id:
                raise nerr.FloatingIPPortAlreadyAssociated(
                    floating_ip_address=row.floating_ip_address, fip_id=row.id,
                    port_id=port.id, fixed_ip=alloc.ip_address, net_id=row.floating_network_id)
        row.router_id = self._router_for(session, row.floating_network_id, alloc.subnet_id,
                                         port.id)
        row.port_id, row.fixed_ip_address = port.id, alloc.ip_address
        row.status = c.ACTIVE

    def _router_for(self, session: Session, ext_net_id: str, subnet_id: str,
                    port_id: str) -> str:
        routers = session.scalars(select(models.Router).where(
            models.Router.gw_network_id == ext_net_id)).all()
        for router in routers:
            for iface in session.scalars(select(models.Port).where(
                    models.Port.device_id == router.id,
                    models.Port.device_owner == c.OWNER_ROUTER_INTERFACE)):
                subnets = session.scalars(select(models.IPAllocation.subnet_id).where(
                    models.IPAllocation.port_id == iface.id)).all()
                if subnet_id in subnets:
                    return router.id
        raise nerr.ExternalGatewayForFloatingIPNotFound(external_network_id=ext_net_id,
                                                        subnet_id=subnet_id, port_id=port_id)

    def get_floatingip(self, ctx: RequestContext, fip_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return views.floating_ip(self.fip_row(session, ctx, fip_id))

    def list_floatingips(self, ctx: RequestContext) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            return [views.floating_ip(row) for row in session.scalars(select(models.FloatingIP))
                    if self.owns(ctx, row)]

    @retry_on_lock()
    def update_floatingip(self, ctx: RequestContext, fip_id: str,
                          attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.fip_row(session, ctx, fip_id)
            if "description" in attrs:
                row.description = attrs["description"]
            if "port_id" in attrs:
                if attrs["port_id"]:
                    self._associate(session, ctx, row, attrs["port_id"],
                                    attrs.get("fixed_ip_address"))
                else:
                    row.port_id = row.fixed_ip_address = row.router_id = None
                    row.status = c.DOWN
            self.touch(row)
            view = views.floating_ip(row)
        self.driver.sync_floating_ip(view)
        return view

    @retry_on_lock()
    def delete_floatingip(self, ctx: RequestContext, fip_id: str) -> None:
        with self.db.writer() as session:
            row = self.fip_row(session, ctx, fip_id)
            view = views.floating_ip(row)
            port = session.get(models.Port, row.floating_port_id)
            if port is not None:
                self._drop_port(session, port)
            session.delete(row)
        view["port_id"] = None
        self.driver.sync_floating_ip(view)
