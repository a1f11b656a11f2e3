"""Queries on address scopes and subnet pools, and on what uses them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db import rbac
from nimbus.network.db.listing import Condition, Flag, Listing, Number, Strings, Text, page_of
from nimbus.network.db.listing import standard as standard_attrs
from nimbus.network.db.models import AddressScope, Subnet, SubnetPool

# The object_type an RBAC policy names each by.
RBAC_TYPES: dict[Any, str] = {AddressScope: "address_scope", SubnetPool: "subnetpool"}

SCOPES = Listing({
    **standard_attrs(AddressScope),
    "ip_version": Number(AddressScope.ip_version),
    "shared": Flag(AddressScope.shared),
}, tags=AddressScope.tags)

POOLS = Listing({
    **standard_attrs(SubnetPool),
    "ip_version": Number(SubnetPool.ip_version),
    "prefixes": Strings(SubnetPool.prefixes),
    "default_prefixlen": Number(SubnetPool.default_prefixlen),
    "min_prefixlen": Number(SubnetPool.min_prefixlen),
    "max_prefixlen": Number(SubnetPool.max_prefixlen),
    "default_quota": Number(SubnetPool.default_quota),
    "address_scope_id": Text(SubnetPool.address_scope_id),
    "shared": Flag(SubnetPool.shared),
    "is_default": Flag(SubnetPool.is_default),
}, tags=SubnetPool.tags)


def visible(model: Any, project_id: str | None, everything: bool) -> Condition:
    """A project sees its own scopes and pools and the shared ones."""
    if everything:
        return true()
    return or_(model.project_id == (project_id or ""), model.shared.is_(True),
               rbac.granted(model.id, RBAC_TYPES[model], project_id))


def scope(session: Session, scope_id: str) -> AddressScope | None:
    return session.get(AddressScope, scope_id)


def pool(session: Session, pool_id: str) -> SubnetPool | None:
    return session.get(SubnetPool, pool_id)


def list_scopes(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
                hidden: Collection[str], seen: Condition) -> Page[AddressScope]:
    return page_of(session, select(AddressScope).where(seen), SCOPES, query, filters, hidden)


def list_pools(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
               hidden: Collection[str], seen: Condition) -> Page[SubnetPool]:
    return page_of(session, select(SubnetPool).where(seen), POOLS, query, filters, hidden)


def pools_in_scope(session: Session, scope_id: str) -> list[SubnetPool]:
    return list(session.scalars(select(SubnetPool).where(
        SubnetPool.address_scope_id == scope_id).order_by(SubnetPool.id)))


def default_pool(session: Session, ip_version: int) -> SubnetPool | None:
    return session.scalar(select(SubnetPool).where(SubnetPool.ip_version == ip_version,
                                                   SubnetPool.is_default.is_(True)))


def subnets_of(session: Session, pool_id: str) -> list[Subnet]:
    """The subnets whose cidrs were allocated from the pool."""
    return list(session.scalars(select(Subnet).where(Subnet.subnetpool_id == pool_id)
                                .order_by(Subnet.cidr)))


def scopes_of_pools(session: Session, pool_ids: Collection[str]) -> dict[str, str | None]:
    """Each pool's address scope, by pool id."""
    if not pool_ids:
        return {}
    rows = session.execute(select(SubnetPool.id, SubnetPool.address_scope_id).where(
        SubnetPool.id.in_(list(pool_ids))))
    return {pid: sid for pid, sid in rows}
