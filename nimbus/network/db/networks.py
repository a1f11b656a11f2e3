"""Queries on networks."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network.db import rbac
from nimbus.network.db.listing import (
    Condition,
    Derived,
    Fixed,
    Flag,
    Listing,
    Number,
    Strings,
    Text,
    page_of,
    standard,
)
from nimbus.network.db.models import Network, Port, Subnet

FIRST_SEGMENT = 1001


def _with_subnet(wanted: Sequence[str]) -> Condition:
    return exists().where(Subnet.network_id == Network.id, Subnet.id.in_(list(wanted)))


# ``sort_key=subnets`` orders by the lowest subnet id, near enough to the list's text.
FIRST_SUBNET = (select(func.min(Subnet.id)).where(Subnet.network_id == Network.id)
                .scalar_subquery())

LISTING = Listing({
    **standard(Network),
    "admin_state_up": Flag(Network.admin_state_up),
    "status": Text(Network.status),
    "subnets": Derived(_with_subnet, FIRST_SUBNET),
    "shared": Flag(Network.shared),
    "router:external": Flag(Network.external),
    "mtu": Number(Network.mtu),
    "port_security_enabled": Flag(Network.port_security_enabled),
    "availability_zone_hints": Strings(Network.availability_zone_hints),
    "availability_zones": Fixed([c.AVAILABILITY_ZONE]),
    "provider:network_type": Text(Network.network_type),
    "provider:physical_network": Text(Network.physical_network),
    "provider:segmentation_id": Number(Network.segmentation_id),
    "ipv4_address_scope": Fixed(None),
    "ipv6_address_scope": Fixed(None),
    "l2_adjacency": Fixed(True),
    "is_default": Flag(Network.is_default),
    "dns_domain": Text(Network.dns_domain),
}, tags=Network.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    """Networks a caller sees: its own, shared and external ones (all of them for admins)."""
    if everything:
        return true()
    return or_(Network.project_id == (project_id or ""), Network.shared.is_(True),
               Network.external.is_(True),
               rbac.granted(Network.id, "network", project_id, (rbac.SHARED, rbac.EXTERNAL)))


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[Network]:
    return page_of(session, select(Network).where(seen), LISTING, query, filters, hidden)


def subnet_ids(session: Session, network_ids: Collection[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {n: [] for n in network_ids}
    if network_ids:
        # In the table's own order, as the subnets were always shown.
        rows = session.execute(select(Subnet.network_id, Subnet.id)
                               .where(Subnet.network_id.in_(list(network_ids))))
        for network_id, subnet_id in rows:
            found[network_id].append(subnet_id)
    return found


def next_segment(session: Session) -> int:
    """The lowest free VXLAN id from ``FIRST_SEGMENT`` up."""
    taken = session.scalar(select(Network.id).where(Network.segmentation_id == FIRST_SEGMENT))
    if taken is None:
        return FIRST_SEGMENT
    after = aliased(Network)
    gap = select(func.min(Network.segmentation_id + 1)).where(
        Network.segmentation_id >= FIRST_SEGMENT,
        ~exists().where(after.segmentation_id == Network.segmentation_id + 1))
    return int(session.scalar(gap) or FIRST_SEGMENT)


def ports(session: Session, network_id: str) -> list[Port]:
    return list(session.scalars(select(Port).where(Port.network_id == network_id)))


def subnets(session: Session, network_id: str) -> list[Subnet]:
    # In the table's own order: address allocation tries the subnets in it.
    return list(session.scalars(select(Subnet).where(Subnet.network_id == network_id)))


def foreign_port(session: Session, network_id: str, owner: str,
                 exempt_owners: Sequence[str]) -> Port | None:
    """A port another project has on the network, other than the service's own ones."""
    return session.scalars(select(Port).where(
        Port.network_id == network_id, Port.project_id != owner,
        Port.device_owner.notin_(list(exempt_owners))).limit(1)).first()


def find(session: Session, name: str, project_id: str) -> Network | None:
    return session.scalars(select(Network).where(Network.name == name,
                                                 Network.project_id == project_id)
                           .order_by(Network.created_at, Network.id).limit(1)).first()


def get(session: Session, network_id: str) -> Network | None:
    return session.get(Network, network_id)


def by_ids(session: Session, ids: Iterable[str]) -> dict[str, Network]:
    """The networks of ``ids`` that exist, by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {n.id: n for n in session.scalars(select(Network).where(Network.id.in_(wanted)))}


def every(session: Session) -> list[Network]:
    return list(session.scalars(select(Network).order_by(Network.id)))


def default_external(session: Session) -> Network | None:
    """The default external network (``is_default``), if one is marked."""
    return session.scalars(select(Network).where(Network.is_default.is_(True),
                                                 Network.external.is_(True)).limit(1)).first()
