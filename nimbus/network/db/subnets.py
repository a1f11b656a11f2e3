"""Queries on subnets and the addresses handed out from them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db import rbac
from nimbus.network.db.listing import (
    Condition,
    Fixed,
    Flag,
    Listing,
    Number,
    Opaque,
    Strings,
    Text,
    page_of,
    standard,
)
from nimbus.network.db.models import IPAllocation, Network, Subnet

LISTING = Listing({
    **standard(Subnet),
    "network_id": Text(Subnet.network_id),
    "ip_version": Number(Subnet.ip_version),
    "cidr": Text(Subnet.cidr),
    "gateway_ip": Text(Subnet.gateway_ip),
    "allocation_pools": Opaque(Subnet.allocation_pools),
    "dns_nameservers": Strings(Subnet.dns_nameservers),
    "host_routes": Opaque(Subnet.host_routes),
    "enable_dhcp": Flag(Subnet.enable_dhcp),
    "ipv6_ra_mode": Text(Subnet.ipv6_ra_mode),
    "ipv6_address_mode": Text(Subnet.ipv6_address_mode),
    "subnetpool_id": Text(Subnet.subnetpool_id),
    "service_types": Fixed([]),
    "segment_id": Text(Subnet.segment_id),
}, tags=Subnet.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    """Subnets a caller sees: its own and those on shared networks (all for admins)."""
    if everything:
        return true()
    on_shared = exists().where(Network.id == Subnet.network_id,
                               or_(Network.shared.is_(True),
                                   rbac.granted(Network.id, "network", project_id)))
    return or_(Subnet.project_id == (project_id or ""), on_shared)


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[Subnet]:
    return page_of(session, select(Subnet).where(seen), LISTING, query, filters, hidden)


def allocations(session: Session, subnet_id: str) -> list[IPAllocation]:
    return list(session.scalars(select(IPAllocation).where(IPAllocation.subnet_id == subnet_id)
                                .order_by(IPAllocation.id)))


def used_addresses(session: Session, subnet_id: str) -> set[str]:
    return set(session.scalars(select(IPAllocation.ip_address).where(
        IPAllocation.subnet_id == subnet_id)))


def used_counts(session: Session, subnet_ids: Collection[str]) -> dict[str, int]:
    """How many addresses each subnet has given out, in one query."""
    if not subnet_ids:
        return {}
    rows = session.execute(select(IPAllocation.subnet_id, func.count()).where(
        IPAllocation.subnet_id.in_(list(subnet_ids))).group_by(IPAllocation.subnet_id))
    return {str(subnet_id): int(count) for subnet_id, count in rows}


def of_networks(session: Session, network_ids: Collection[str]) -> list[Subnet]:
    if not network_ids:
        return []
    return list(session.scalars(select(Subnet).where(Subnet.network_id.in_(list(network_ids)))
                                .order_by(Subnet.network_id, Subnet.id)))


def find(session: Session, name: str, project_id: str) -> Subnet | None:
    return session.scalars(select(Subnet).where(Subnet.name == name,
                                                Subnet.project_id == project_id)
                           .order_by(Subnet.created_at, Subnet.id).limit(1)).first()


def get(session: Session, subnet_id: str) -> Subnet | None:
    return session.get(Subnet, subnet_id)


def many(session: Session, subnet_ids: Collection[str]) -> dict[str, Subnet]:
    if not subnet_ids:
        return {}
    return {s.id: s for s in session.scalars(select(Subnet).where(
        Subnet.id.in_(list(subnet_ids))))}
