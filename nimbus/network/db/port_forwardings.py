"""Queries on floating IPs' port forwardings."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Derived, Listing, Number, Text, matches_nothing, page_of
from nimbus.network.db.models import FloatingIP, PortForwarding

LISTING = Listing({
    "id": Text(PortForwarding.id),
    "protocol": Text(PortForwarding.protocol),
    "external_port": Number(PortForwarding.external_port_start),
    "internal_port": Number(PortForwarding.internal_port_start),
    "internal_ip_address": Text(PortForwarding.internal_ip_address),
    "internal_port_id": Text(PortForwarding.internal_port_id),
    "description": Text(PortForwarding.description),
    "external_port_range": Derived(matches_nothing),
    "internal_port_range": Derived(matches_nothing),
})


def list_page(session: Session, floatingip_id: str, query: PageQuery,
              filters: Mapping[str, Sequence[str]],
              hidden: Collection[str]) -> Page[PortForwarding]:
    stmt = select(PortForwarding).where(PortForwarding.floatingip_id == floatingip_id)
    return page_of(session, stmt, LISTING, query, filters, hidden)


def get(session: Session, forwarding_id: str) -> PortForwarding | None:
    return session.get(PortForwarding, forwarding_id)


def of_floating_ip(session: Session, floatingip_id: str) -> list[PortForwarding]:
    return list(session.scalars(select(PortForwarding).where(
        PortForwarding.floatingip_id == floatingip_id).order_by(PortForwarding.id)))


def to_port(session: Session, port_id: str) -> list[PortForwarding]:
    return list(session.scalars(select(PortForwarding).where(
        PortForwarding.internal_port_id == port_id)))


def every(session: Session) -> list[PortForwarding]:
    return list(session.scalars(select(PortForwarding)))


def release(session: Session, fip: FloatingIP) -> None:
    """A floating IP left with neither a port nor a forwarding goes through no router."""
    if not fip.port_id and not of_floating_ip(session, fip.id):
        fip.router_id = None
