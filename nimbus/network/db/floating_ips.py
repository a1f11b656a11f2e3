"""Queries on floating IPs."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Condition, Fixed, Listing, Text, page_of, standard
from nimbus.network.db.models import FloatingIP

LISTING = Listing({
    # A floating IP has no name in the API.
    **{k: v for k, v in standard(FloatingIP).items() if k != "name"},
    "floating_network_id": Text(FloatingIP.floating_network_id),
    "floating_ip_address": Text(FloatingIP.floating_ip_address),
    "port_id": Text(FloatingIP.port_id),
    "fixed_ip_address": Text(FloatingIP.fixed_ip_address),
    "router_id": Text(FloatingIP.router_id),
    "status": Text(FloatingIP.status),
    "port_details": Fixed(None),
    "port_forwardings": Fixed([]),
    "dns_name": Text(FloatingIP.dns_name),
    "dns_domain": Text(FloatingIP.dns_domain),
}, tags=FloatingIP.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    return true() if everything else FloatingIP.project_id == (project_id or "")


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[FloatingIP]:
    return page_of(session, select(FloatingIP).where(seen), LISTING, query, filters, hidden)


def on_port(session: Session, port_id: str) -> list[FloatingIP]:
    return list(session.scalars(select(FloatingIP).where(FloatingIP.port_id == port_id)))


def unassociated_on(session: Session, network_id: str) -> list[FloatingIP]:
    """The floating IPs of an external network that no port uses."""
    return list(session.scalars(select(FloatingIP).where(
        FloatingIP.floating_network_id == network_id, FloatingIP.port_id.is_(None))))


def on_fixed_ip(session: Session, port_id: str, fixed_ip: str) -> list[FloatingIP]:
    return list(session.scalars(select(FloatingIP).where(
        FloatingIP.port_id == port_id, FloatingIP.fixed_ip_address == fixed_ip)))


def get(session: Session, fip_id: str) -> FloatingIP | None:
    return session.get(FloatingIP, fip_id)
