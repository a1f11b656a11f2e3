"""Floating IPs: an address on an external network, NATed to a port through a router."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import floating_ips as fip_db
from nimbus.network.db import models
from nimbus.network.db import port_forwardings as pf_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import routers as router_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.compute_events import ComputeEvents
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.ports import PortManager
from nimbus.network.schemas import views
from nimbus.network.states import FLOATINGIP_STATUS


class FloatingIpManager:
    def __init__(self, db: Database, access: Access, ports: PortManager,
                 driver: NetworkDriver, events: ComputeEvents | None = None) -> None:
        self.db = db
        self.access = access
        self.ports = ports
        self.driver = driver
        self.events = events or ComputeEvents(None)

    def _changed(self, ports: list[dict[str, Any] | None]) -> None:
        """After the commit: the servers behind these ports show other addresses now."""
        for port in ports:
            self.events.port_changed(port)

    @retry_on_lock()
    def create_floatingip(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            net = self.access.network(session, ctx, attrs["floating_network_id"])
            if not self.access.external_for(session, ctx, net):
                raise nerr.BadRequest(resource="floatingip", msg=f"Network {net.id} is not a "
                                      "valid external network")
            self.access.check_quota(session, project, "floatingip")
            row = models.FloatingIP(project_id=project, floating_network_id=net.id,
                                    description=attrs.get("description", ""),
                                    dns_name=attrs.get("dns_name") or "",
                                    dns_domain=attrs.get("dns_domain") or "",
                                    status=FLOATINGIP_STATUS.start(c.DOWN),
                                    revision_number=1, floating_ip_address="",
                                    floating_port_id="")
            session.add(row)
            session.flush()
            fixed: dict[str, Any] = {}
            if attrs.get("floating_ip_address"):
                fixed["ip_address"] = attrs["floating_ip_address"]
            if attrs.get("subnet_id"):
                fixed["subnet_id"] = attrs["subnet_id"]
            port = self.ports.create_port_in(session, RequestContext.admin(), {
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
            touched = [_owner(session, row.port_id)]
        self.driver.sync_floating_ip(view)
        self._changed(touched)
        return view

    def _associate(self, session: Session, ctx: RequestContext, row: models.FloatingIP,
                   port_id: str, fixed_ip: str | None) -> None:
        if pf_db.of_floating_ip(session, row.id):
            raise nerr.FipInUseByPortForwarding(id=row.id)
        port = self.access.port(session, ctx, port_id)
        allocs = port_db.allocations(session, port.id)
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
        for other in fip_db.on_fixed_ip(session, port.id, alloc.ip_address):
            if other.id != row.id and other.floating_network_id == row.floating_network_id:
                raise nerr.FloatingIPPortAlreadyAssociated(
                    floating_ip_address=row.floating_ip_address, fip_id=row.id,
                    port_id=port.id, fixed_ip=alloc.ip_address, net_id=row.floating_network_id)
        row.router_id = router_for(session, row.floating_network_id, alloc.subnet_id, port.id)
        row.port_id, row.fixed_ip_address = port.id, alloc.ip_address
        FLOATINGIP_STATUS.move(row, c.ACTIVE)

    @retry_on_lock()
    def report_status(self, statuses: dict[str, str]) -> None:
        """What the agents found: ACTIVE where a router they host carries the floating IP,
        DOWN where no agent hosts its router."""
        with self.db.writer() as session:
            for fip_id, status in statuses.items():
                row = fip_db.get(session, fip_id)
                if row is None or row.status == status or (status == c.ACTIVE
                                                           and not row.port_id):
                    continue
                FLOATINGIP_STATUS.move(row, status)
                row.touch()

    def get_floatingip(self, ctx: RequestContext, fip_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return views.floating_ip(self.access.floating_ip(session, ctx, fip_id))

    def list_floatingips(self, ctx: RequestContext, query: PageQuery | None = None,
                         filters: Filters | None = None,
                         hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = fip_db.visible(ctx.project_id, self.access.everything(ctx))
            page = fip_db.list_page(session, query or PageQuery(), filters or {}, hidden, seen)
            return with_items(page, [views.floating_ip(row) for row in page.items])

    @retry_on_lock()
    def update_floatingip(self, ctx: RequestContext, fip_id: str,
                          attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.floating_ip(session, ctx, fip_id)
            touched = [_owner(session, row.port_id)]
            if "description" in attrs:
                row.description = attrs["description"]
            if "port_id" in attrs:
                if attrs["port_id"]:
                    self._associate(session, ctx, row, attrs["port_id"],
                                    attrs.get("fixed_ip_address"))
                else:
                    row.port_id = row.fixed_ip_address = None
                    # Its port forwardings, if any, still go through the router.
                    if not pf_db.of_floating_ip(session, row.id):
                        row.router_id = None
                    FLOATINGIP_STATUS.move(row, c.DOWN)
            row.touch()
            view = views.floating_ip(row)
            if row.port_id != (touched[0] or {}).get("id"):
                touched.append(_owner(session, row.port_id))
            else:
                touched = []
        self.driver.sync_floating_ip(view)
        self._changed(touched)
        return view

    @retry_on_lock()
    def delete_floatingip(self, ctx: RequestContext, fip_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.floating_ip(session, ctx, fip_id)
            view = views.floating_ip(row)
            touched = [_owner(session, row.port_id)]
            port = port_db.get(session, row.floating_port_id)
            if port is not None:
                port_db.drop(session, port)
            for forwarding in pf_db.of_floating_ip(session, row.id):
                session.delete(forwarding)
            session.flush()
            session.delete(row)
        view["port_id"] = None
        self.driver.sync_floating_ip(view)
        self._changed(touched)


def _owner(session: Session, port_id: str | None) -> dict[str, Any] | None:
    """Who a port belongs to (its id, ``device_owner`` and ``device_id``), if it exists."""
    port = port_db.get(session, port_id) if port_id else None
    if port is None:
        return None
    return {"id": port.id, "device_owner": port.device_owner, "device_id": port.device_id}


def router_for(session: Session, ext_net_id: str, subnet_id: str, port_id: str) -> str:
    """The router that joins the port's subnet to the external network."""
    for router in router_db.with_gateway_on(session, ext_net_id):
        for iface in port_db.interfaces(session, router.id):
            if subnet_id in port_db.subnet_ids(session, iface.id):
                return router.id
    raise nerr.ExternalGatewayForFloatingIPNotFound(external_network_id=ext_net_id,
                                                    subnet_id=subnet_id, port_id=port_id)
