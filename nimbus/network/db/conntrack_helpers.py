"""Queries on routers' conntrack helpers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Listing, Number, Text, page_of
from nimbus.network.db.models import ConntrackHelper

LISTING = Listing({
    "id": Text(ConntrackHelper.id),
    "protocol": Text(ConntrackHelper.protocol),
    "port": Number(ConntrackHelper.port),
    "helper": Text(ConntrackHelper.helper),
})


def list_page(session: Session, router_id: str, query: PageQuery,
              filters: Mapping[str, Sequence[str]],
              hidden: Collection[str]) -> Page[ConntrackHelper]:
    stmt = select(ConntrackHelper).where(ConntrackHelper.router_id == router_id)
    return page_of(session, stmt, LISTING, query, filters, hidden)


def get(session: Session, helper_id: str) -> ConntrackHelper | None:
    return session.get(ConntrackHelper, helper_id)


def of_router(session: Session, router_id: str) -> list[ConntrackHelper]:
    return list(session.scalars(select(ConntrackHelper).where(
        ConntrackHelper.router_id == router_id).order_by(ConntrackHelper.id)))


def same_rule(session: Session, row: ConntrackHelper) -> ConntrackHelper | None:
    """Another helper of the router with the row's protocol, port and helper."""
    return session.scalars(select(ConntrackHelper).where(
        ConntrackHelper.router_id == row.router_id, ConntrackHelper.protocol == row.protocol,
        ConntrackHelper.port == row.port, ConntrackHelper.helper == row.helper,
        ConntrackHelper.id != row.id).limit(1)).first()
