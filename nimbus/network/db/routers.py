"""Queries on routers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import false, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network.db.listing import (
    NULL_TEXTS,
    Condition,
    Derived,
    Fixed,
    Flag,
    Listing,
    Opaque,
    Strings,
    Text,
    page_of,
    standard,
)
from nimbus.network.db.models import FloatingIP, Router


def _gateway(wanted: Sequence[str]) -> Condition:
    # The gateway shows as an object, which matches nothing; without one it shows as null.
    return Router.gw_network_id.is_(None) if NULL_TEXTS.intersection(wanted) else false()


LISTING = Listing({
    **standard(Router),
    "admin_state_up": Flag(Router.admin_state_up),
    "status": Text(Router.status),
    # The gateway object starts with its network id, so that orders it.
    "external_gateway_info": Derived(_gateway, Router.gw_network_id),
    "routes": Opaque(Router.routes),
    "availability_zone_hints": Strings(Router.availability_zone_hints),
    "availability_zones": Fixed([c.AVAILABILITY_ZONE]),
    "distributed": Flag(Router.distributed), "ha": Flag(Router.ha),
    "flavor_id": Text(Router.flavor_id),
}, tags=Router.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    return true() if everything else Router.project_id == (project_id or "")


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[Router]:
    return page_of(session, select(Router).where(seen), LISTING, query, filters, hidden)


def with_gateway_on(session: Session, network_id: str) -> list[Router]:
    return list(session.scalars(select(Router).where(Router.gw_network_id == network_id)))


def floating_ips(session: Session, router_id: str) -> list[FloatingIP]:
    """The floating IPs NATed through the router."""
    return list(session.scalars(select(FloatingIP).where(FloatingIP.router_id == router_id)))


def find(session: Session, name: str, project_id: str) -> Router | None:
    return session.scalars(select(Router).where(Router.name == name,
                                                Router.project_id == project_id)
                           .order_by(Router.created_at, Router.id).limit(1)).first()


def get(session: Session, router_id: str) -> Router | None:
    return session.get(Router, router_id)

