"""Which providers satisfy a request group: resources that fit, traits and aggregates.

Used by the provider list (``?resources=&required=&member_of=``) and by allocation candidates.
Each filter narrows a set of provider ids, so more kinds of filter slot in without rework.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.placement.db.models import (
    Inventory,
    ProviderAggregate,
    ProviderTrait,
    ResourceProvider,
)
from nimbus.placement.manager.common import capacity, usages


@dataclass
class RequestGroup:
    """One (possibly suffixed) group of resources and the qualities its provider must have."""

    suffix: str = ""
    resources: dict[str, int] = field(default_factory=dict)
    # Each frozenset is an any-of; the provider must satisfy every one of them.
    required_traits: list[frozenset[str]] = field(default_factory=list)
    forbidden_traits: set[str] = field(default_factory=set)
    member_of: list[frozenset[str]] = field(default_factory=list)
    forbidden_aggregates: set[str] = field(default_factory=set)
    in_tree: str | None = None


def fits(inv: Inventory, used: int, amount: int) -> bool:
    """Whether ``amount`` more of ``inv``'s class can be taken, honouring its unit rules."""
    if amount < inv.min_unit or amount > inv.max_unit or amount % inv.step_size:
        return False
    return used + amount <= capacity(inv)


def inventories_for(session: Session, ids: set[int] | None,
                    classes: set[str] | None = None) -> dict[int, dict[str, Inventory]]:
    query = select(Inventory)
    if ids is not None:
        query = query.where(Inventory.resource_provider_id.in_(ids))
    if classes is not None:
        query = query.where(Inventory.resource_class.in_(classes))
    found: dict[int, dict[str, Inventory]] = defaultdict(dict)
    for inv in session.scalars(query):
        found[inv.resource_provider_id][inv.resource_class] = inv
    return found


def with_resources(session: Session, resources: dict[str, int],
                   ids: set[int] | None) -> set[int]:
    """Providers with inventory of every class in ``resources`` and room for the amounts."""
    invs = inventories_for(session, ids, set(resources))
    complete = {rp for rp, by_rc in invs.items() if set(resources) <= set(by_rc)}
    used = usages(session, complete)
    return {
        rp for rp in complete
        if all(fits(invs[rp][rc], used.get((rp, rc), 0), amount)
               for rc, amount in resources.items())
    }


def _traits_of(session: Session, ids: set[int] | None) -> dict[int, set[str]]:
    query = select(ProviderTrait.resource_provider_id, ProviderTrait.trait)
    if ids is not None:
        query = query.where(ProviderTrait.resource_provider_id.in_(ids))
    found: dict[int, set[str]] = defaultdict(set)
    for rp_id, trait in session.execute(query):
        found[rp_id].add(trait)
    return found


def _aggregates_of(session: Session, ids: set[int] | None) -> dict[int, set[str]]:
    query = select(ProviderAggregate.resource_provider_id, ProviderAggregate.aggregate_uuid)
    if ids is not None:
        query = query.where(ProviderAggregate.resource_provider_id.in_(ids))
    found: dict[int, set[str]] = defaultdict(set)
    for rp_id, agg in session.execute(query):
        found[rp_id].add(agg)
    return found


def matches_traits(have: set[str], required: list[frozenset[str]], forbidden: set[str]) -> bool:
    return all(have & any_of for any_of in required) and not have & forbidden


def filter_providers(session: Session, group: RequestGroup,
                     ids: set[int] | None = None) -> set[int]:
    """The ids (within ``ids`` when given) of providers that satisfy ``group`` on their own."""
    if ids is None:
        ids = set(session.scalars(select(ResourceProvider.id)))
    if group.in_tree is not None:
        root = session.scalar(select(ResourceProvider.root_provider_id)
                              .where(ResourceProvider.uuid == group.in_tree))
        if root is None:
            return set()
        ids &= set(session.scalars(select(ResourceProvider.id)
                                   .where(ResourceProvider.root_provider_id == root)))
    if group.resources and ids:
        ids = with_resources(session, group.resources, ids)
    if (group.required_traits or group.forbidden_traits) and ids:
        traits = _traits_of(session, ids)
        ids = {rp for rp in ids if matches_traits(traits.get(rp, set()), group.required_traits,
                                                  group.forbidden_traits)}
    if (group.member_of or group.forbidden_aggregates) and ids:
        aggs = _aggregates_of(session, ids)
        ids = {rp for rp in ids
               if matches_traits(aggs.get(rp, set()), group.member_of, group.forbidden_aggregates)}
    return ids


def traits_by_provider(session: Session, ids: set[int]) -> dict[int, set[str]]:
    return _traits_of(session, ids) if ids else {}
