"""A router's interfaces: ports on its subnets, one subnet at most once, no two overlapping."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import ports as port_db
from nimbus.network.db import routers as router_db
from nimbus.network.db import subnets as subnet_db
from nimbus.network.manager.access import Access
from nimbus.network.manager.ports import PortManager
from nimbus.network.manager.routers import RouterManager
from nimbus.network.states import PORT_STATUS


def _answer(row: models.Router, port: dict[str, Any]) -> dict[str, Any]:
    subnet_ids = [ip["subnet_id"] for ip in port["fixed_ips"]]
    return {"id": row.id, "tenant_id": row.project_id, "project_id": row.project_id,
            "port_id": port["id"], "network_id": port["network_id"],
            "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids}


class RouterInterfaceManager:
    def __init__(self, db: Database, access: Access, ports: PortManager,
                 routers: RouterManager) -> None:
        self.db = db
        self.access = access
        self.ports = ports
        self.routers = routers

    @retry_on_lock()
    def add_interface(self, ctx: RequestContext, router_id: str,
                      body: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.router(session, ctx, router_id)
            if body.get("port_id"):
                port = self._adopt_port(session, ctx, row, body["port_id"])
            else:
                port = self._interface_on_subnet(session, ctx, row, body["subnet_id"])
            row.touch()
            session.flush()
            view = self.ports.view(session, port)
            answer = _answer(row, view)
        self.routers.sync(router_id)
        return answer

    def _check_overlap(self, session: Session, router_id: str, cidr: str,
                       subnet_id: str) -> None:
        new = ipaddress.ip_network(cidr)
        for port in port_db.interfaces(session, router_id):
            for alloc in port_db.allocations(session, port.id):
                if alloc.subnet_id == subnet_id:
                    raise nerr.BadRequest(resource="router", msg=f"Router already has a port on "
                                          f"subnet {subnet_id}")
                other = subnet_db.get(session, alloc.subnet_id)
                if other is not None and new.overlaps(ipaddress.ip_network(other.cidr)):
                    raise nerr.BadRequest(resource="router", msg=f"Cidr {cidr} of subnet "
                                          f"{subnet_id} overlaps with cidr {other.cidr} of "
                                          f"subnet {other.id}")

    def _interface_on_subnet(self, session: Session, ctx: RequestContext, row: models.Router,
                             subnet_id: str) -> models.Port:
        subnet = self.access.subnet(session, ctx, subnet_id)
        if not subnet.gateway_ip:
            raise nerr.BadRequest(resource="router", msg="Subnet for router interface must "
                                  "have a gateway IP")
        self._check_overlap(session, row.id, subnet.cidr, subnet.id)
        view = self.ports.create_port_in(session, ctx, {
            "network_id": subnet.network_id, "device_id": row.id,
            "device_owner": c.OWNER_ROUTER_INTERFACE, "name": "",
            "fixed_ips": [{"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}],
        }, project=row.project_id)
        port = port_db.get(session, view["id"])
        assert port is not None
        return port

    def _adopt_port(self, session: Session, ctx: RequestContext, row: models.Router,
                    port_id: str) -> models.Port:
        port = self.access.port(session, ctx, port_id)
        if port.device_id or port.device_owner:
            raise nerr.PortInUse(id=port.id, net_id=port.network_id, device_id=port.device_id)
        allocs = port_db.allocations(session, port.id)
        if not allocs:
            raise nerr.BadRequest(resource="router", msg="Router port must have at least one "
                                  "fixed IP")
        for alloc in allocs:
            subnet = subnet_db.get(session, alloc.subnet_id)
            if subnet is not None:
                self._check_overlap(session, row.id, subnet.cidr, subnet.id)
        port.device_id, port.device_owner = row.id, c.OWNER_ROUTER_INTERFACE
        port.security_groups = []
        PORT_STATUS.move(port, c.ACTIVE)
        port.touch()
        return port

    @retry_on_lock()
    def remove_interface(self, ctx: RequestContext, router_id: str,
                         body: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.router(session, ctx, router_id)
            ports = port_db.interfaces(session, router_id)
            port = None
            subnet_id = body.get("subnet_id")
            if body.get("port_id"):
                port = next((p for p in ports if p.id == body["port_id"]), None)
                if port is None:
                    raise nerr.RouterInterfaceNotFound(router_id=router_id,
                                                       port_id=body["port_id"])
            else:
                self.access.subnet(session, ctx, subnet_id or "")
                port = next((p for p in ports
                             if subnet_id in port_db.subnet_ids(session, p.id)), None)
                if port is None:
                    raise nerr.RouterInterfaceNotFoundForSubnet(router_id=router_id,
                                                                subnet_id=subnet_id)
            view = self.ports.view(session, port)
            answer = _answer(row, view)
            self._check_fip_use(session, row.id, answer["subnet_ids"])
            port_db.drop(session, port)
            row.touch()
        self.routers.sync(router_id)
        return answer

    @staticmethod
    def _check_fip_use(session: Session, router_id: str, subnet_ids: list[str]) -> None:
        for fip in router_db.floating_ips(session, router_id):
            for alloc in port_db.allocations(session, fip.port_id or ""):
                if alloc.subnet_id in subnet_ids:
                    raise nerr.RouterInterfaceInUseByFloatingIP(subnet_id=alloc.subnet_id,
                                                                router_id=router_id)
