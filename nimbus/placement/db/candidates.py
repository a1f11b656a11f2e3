"""The allocation candidate query: providers that satisfy every request group, in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from nimbus.placement.db.filters import (
    RequestGroup,
    group_conditions,
    has_room,
    has_trait,
    in_aggregate,
)
from nimbus.placement.db.models import ProviderAggregate, ProviderTrait, ResourceProvider


def _root() -> ColumnElement[int]:
    return func.coalesce(ResourceProvider.root_provider_id, ResourceProvider.id)


def single_providers(session: Session, groups: list[RequestGroup],
                     combined: dict[str, int] | None = None,
                     root_required: list[frozenset[str]] | None = None,
                     root_forbidden: set[str] | None = None,
                     limit: int | None = None) -> list[ResourceProvider]:
    """Providers that satisfy every group on their own, oldest first, at most ``limit``.

    ``combined`` are the summed amounts of several groups, which must also fit together;
    ``root_required``/``root_forbidden`` are traits the provider's root must (not) have.
    """
    query = select(ResourceProvider).order_by(ResourceProvider.id)
    for group in groups:
        query = query.where(*group_conditions(group))
    for resource_class, amount in sorted((combined or {}).items()):
        query = query.where(has_room(resource_class, amount, units=False))
    root = func.coalesce(ResourceProvider.root_provider_id, ResourceProvider.id)
    for any_of in root_required or []:
        query = query.where(has_trait(root, any_of))
    if root_forbidden:
        query = query.where(~has_trait(root, root_forbidden))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


# -- what the search over trees and sharing providers reads ------------------------------------

SHARES_TRAIT = "MISC_SHARES_VIA_AGGREGATE"


def has_trees(session: Session) -> bool:
    """Whether any provider has a parent (else every tree is a single provider)."""
    return session.scalar(select(ResourceProvider.id)
                          .where(ResourceProvider.parent_provider_id.is_not(None))
                          .limit(1)) is not None


def sharing_ids(session: Session) -> set[int]:
    """Providers that share their inventory with their aggregates' trees."""
    return set(session.scalars(select(ProviderTrait.resource_provider_id)
                               .where(ProviderTrait.trait == SHARES_TRAIT)))


def with_room(session: Session, resource_class: str, amount: int,
              root_id: int | None = None) -> dict[int, int]:
    """Providers (id -> root id) with room for ``amount`` of the class, units honoured."""
    query = select(ResourceProvider.id, _root()).where(has_room(resource_class, amount))
    if root_id is not None:
        query = query.where(_root() == root_id)
    return {rp_id: root for rp_id, root in session.execute(query)}


def roots_of(session: Session, ids: Iterable[int]) -> dict[int, int]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {rp_id: root for rp_id, root in session.execute(
        select(ResourceProvider.id, _root()).where(ResourceProvider.id.in_(wanted)))}


def root_of_uuid(session: Session, uuid: str) -> int | None:
    return session.scalar(select(_root()).where(ResourceProvider.uuid == uuid))


def in_all_aggregates(session: Session, member_of: list[frozenset[str]]) -> set[int]:
    """Providers in at least one aggregate of every any-of set."""
    query = select(ResourceProvider.id)
    for any_of in member_of:
        query = query.where(in_aggregate(any_of))
    return set(session.scalars(query))


def in_any_aggregate(session: Session, aggregates: Iterable[str]) -> set[int]:
    return set(session.scalars(select(ProviderAggregate.resource_provider_id)
                               .where(ProviderAggregate.aggregate_uuid.in_(set(aggregates)))))


def with_all_traits(session: Session, required: list[frozenset[str]]) -> set[int]:
    """Providers having at least one trait of every any-of set."""
    query = select(ResourceProvider.id)
    for any_of in required:
        query = query.where(has_trait(ResourceProvider.id, any_of))
    return set(session.scalars(query))


def with_any_trait(session: Session, names: Iterable[str]) -> set[int]:
    return set(session.scalars(select(ProviderTrait.resource_provider_id)
                               .where(ProviderTrait.trait.in_(set(names))).distinct()))


def all_providers(session: Session, allowed: set[int] | None = None) -> dict[int, int]:
    query = select(ResourceProvider.id, _root())
    if allowed is not None:
        query = query.where(ResourceProvider.id.in_(allowed))
    return {rp_id: root for rp_id, root in session.execute(query)}


def anchors(session: Session, sharing: Iterable[int]) -> dict[int, set[int]]:
    """For each sharing provider, the roots of the trees it shares with (its own included,
    when it is in an aggregate at all)."""
    mine = aliased(ProviderAggregate)
    theirs = aliased(ProviderAggregate)
    other = aliased(ResourceProvider)
    found: dict[int, set[int]] = defaultdict(set)
    wanted = set(sharing)
    if not wanted:
        return found
    rows = session.execute(
        select(mine.resource_provider_id, func.coalesce(other.root_provider_id, other.id))
        .join(theirs, theirs.aggregate_uuid == mine.aggregate_uuid)
        .join(other, other.id == theirs.resource_provider_id)
        .where(mine.resource_provider_id.in_(wanted)))
    for shared, root in rows:
        found[shared].add(root)
    return found


def roots_with_traits(session: Session, required: list[frozenset[str]],
                      forbidden: set[str]) -> set[int]:
    """Root providers having a trait of every any-of in ``required`` and none of ``forbidden``."""
    query = select(ResourceProvider.id).where(ResourceProvider.parent_provider_id.is_(None))
    for any_of in required:
        query = query.where(has_trait(ResourceProvider.id, any_of))
    if forbidden:
        query = query.where(~has_trait(ResourceProvider.id, forbidden))
    return set(session.scalars(query))


@dataclass
class TreeMember:
    id: int
    uuid: str
    parent_id: int | None
    root_id: int


def trees(session: Session, roots: Iterable[int]) -> list[TreeMember]:
    """Every provider of the trees rooted at ``roots``, oldest first."""
    wanted = set(roots)
    if not wanted:
        return []
    rows = session.execute(
        select(ResourceProvider.id, ResourceProvider.uuid, ResourceProvider.parent_provider_id,
               _root()).where(_root().in_(wanted)).order_by(ResourceProvider.id))
    return [TreeMember(rp_id, uuid, parent, root) for rp_id, uuid, parent, root in rows]
