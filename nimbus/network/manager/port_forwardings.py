"""Floating IP port forwardings (Neutron's ``floating-ip-port-forwarding``, with port ranges):
one floating address shared by several guests, each reached on its own external ports.

A floating IP that forwards ports is not associated with a port itself; it goes through the
router that joins the internal port's subnet to its external network, as an association would,
and every forwarding of it through that one router. The router's namespace DNATs
``floating:external`` to ``fixed:internal`` (``drivers/linux/routers.py``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import port_forwardings as pf_db
from nimbus.network.db import ports as port_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.floating_ips import router_for
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.schemas import views

RESOURCE = "port_forwarding"


def view(row: models.PortForwarding) -> dict[str, Any]:
    single = row.external_port_start == row.external_port_end
    return {
        "id": row.id, "protocol": row.protocol,
        "external_port": row.external_port_start if single else None,
        "internal_port": row.internal_port_start if single else None,
        "external_port_range": f"{row.external_port_start}:{row.external_port_end}",
        "internal_port_range": f"{row.internal_port_start}:{row.internal_port_end}",
        "internal_ip_address": row.internal_ip_address,
        "internal_port_id": row.internal_port_id, "description": row.description,
    }


class PortForwardingManager:
    def __init__(self, db: Database, access: Access, driver: NetworkDriver) -> None:
        self.db = db
        self.access = access
        self.driver = driver

    def list_forwardings(self, ctx: RequestContext, fip_id: str,
                         query: PageQuery | None = None, filters: Filters | None = None,
                         hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            fip = self.access.floating_ip(session, ctx, fip_id)
            page = pf_db.list_page(session, fip.id, query or PageQuery(), filters or {},
                                   hidden)
            return with_items(page, [view(r) for r in page.items])

    def get_forwarding(self, ctx: RequestContext, fip_id: str, pf_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return view(self._row(session, ctx, fip_id, pf_id))

    def _row(self, session: Session, ctx: RequestContext, fip_id: str,
             pf_id: str) -> models.PortForwarding:
        fip = self.access.floating_ip(session, ctx, fip_id)
        row = pf_db.get(session, pf_id)
        if row is None or row.floatingip_id != fip.id:
            raise nerr.PortForwardingNotFound(id=pf_id)
        return row

    @retry_on_lock()
    def create_forwarding(self, ctx: RequestContext, fip_id: str,
                          attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            fip = self.access.floating_ip(session, ctx, fip_id)
            row = models.PortForwarding(floatingip_id=fip.id, description="")
            self._apply(session, ctx, fip, row, attrs, creating=True)
            session.add(row)
            session.flush()
            shown, fip_view = view(row), views.floating_ip(fip)
        self.driver.sync_floating_ip(fip_view)
        return shown

    @retry_on_lock()
    def update_forwarding(self, ctx: RequestContext, fip_id: str, pf_id: str,
                          attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._row(session, ctx, fip_id, pf_id)
            fip = self.access.floating_ip(session, ctx, fip_id)
            self._apply(session, ctx, fip, row, attrs, creating=False)
            session.flush()
            shown, fip_view = view(row), views.floating_ip(fip)
        self.driver.sync_floating_ip(fip_view)
        return shown

    @retry_on_lock()
    def delete_forwarding(self, ctx: RequestContext, fip_id: str, pf_id: str) -> None:
        with self.db.writer() as session:
            row = self._row(session, ctx, fip_id, pf_id)
            fip = self.access.floating_ip(session, ctx, fip_id)
            session.delete(row)
            session.flush()
            pf_db.release(session, fip)
            fip_view = views.floating_ip(fip)
        self.driver.sync_floating_ip(fip_view)

    def _apply(self, session: Session, ctx: RequestContext, fip: models.FloatingIP,
               row: models.PortForwarding, attrs: dict[str, Any], creating: bool) -> None:
        if fip.port_id:
            raise nerr.BadRequest(resource=RESOURCE, msg=f"Floating IP {fip.id} is associated "
                                  f"with port {fip.port_id}; it cannot forward ports as well")
        for key in ("protocol", "internal_ip_address", "internal_port_id", "description"):
            if attrs.get(key) is not None:
                setattr(row, key, attrs[key])
        external = _ports(attrs, "external", required=creating)
        internal = _ports(attrs, "internal", required=creating)
        if external is not None:
            row.external_port_start, row.external_port_end = external
        if internal is not None:
            row.internal_port_start, row.internal_port_end = internal
        if creating and not row.protocol:
            raise nerr.BadRequest(resource=RESOURCE, msg="protocol is required")
        span = row.internal_port_end - row.internal_port_start
        if span and span != row.external_port_end - row.external_port_start:
            raise nerr.BadRequest(resource=RESOURCE, msg="The internal port range must be as "
                                  "long as the external one, or a single port")
        port = self.access.port(session, ctx, row.internal_port_id)
        allocs = {a.ip_address: a for a in port_db.allocations(session, port.id)
                  if ipaddress.ip_address(a.ip_address).version == 4}
        if not row.internal_ip_address and len(allocs) == 1:
            row.internal_ip_address = next(iter(allocs))
        if row.internal_ip_address not in allocs:
            raise nerr.BadRequest(resource=RESOURCE, msg=f"The internal IP "
                                  f"{row.internal_ip_address} is not one of port {port.id}'s "
                                  "IPv4 addresses")
        router = router_for(session, fip.floating_network_id,
                            allocs[row.internal_ip_address].subnet_id, port.id)
        others = [o for o in pf_db.of_floating_ip(session, fip.id) if o.id != row.id]
        if fip.router_id and others and fip.router_id != router:
            raise nerr.BadRequest(resource=RESOURCE, msg=f"Floating IP {fip.id} forwards "
                                  f"through router {fip.router_id}, not {router}")
        for other in others:
            if other.protocol != row.protocol:
                continue
            if _overlap(other.external_port_start, other.external_port_end,
                        row.external_port_start, row.external_port_end) or (
                    other.internal_port_id == row.internal_port_id
                    and other.internal_ip_address == row.internal_ip_address
                    and _overlap(other.internal_port_start, other.internal_port_end,
                                 row.internal_port_start, row.internal_port_end)):
                raise nerr.BadRequest(resource=RESOURCE, msg="A duplicate port forwarding "
                                      "entry with same attributes already exists, "
                                      f"conflicting with {other.id}")
        fip.router_id = router
        fip.touch()


def _ports(attrs: dict[str, Any], side: str, required: bool) -> tuple[int, int] | None:
    single, ranged = attrs.get(f"{side}_port"), attrs.get(f"{side}_port_range")
    if single is not None and ranged is not None:
        raise nerr.BadRequest(resource=RESOURCE, msg=f"{side}_port and {side}_port_range "
                              "cannot both be given")
    if single is not None:
        return int(single), int(single)
    if ranged is not None:
        low, _, high = str(ranged).partition(":")
        start, end = int(low), int(high or low)
        if start > end:
            raise nerr.BadRequest(resource=RESOURCE, msg=f"Invalid {side}_port_range "
                                  f"'{ranged}': its first port is above its last")
        return start, end
    if required:
        raise nerr.BadRequest(resource=RESOURCE, msg=f"{side}_port or {side}_port_range is "
                              "required")
    return None


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start <= b_end and b_start <= a_end
