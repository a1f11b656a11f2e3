"""Which providers satisfy a request group, as SQL conditions on a provider row.

Used by the provider list (``?resources=&required=&member_of=&in_tree=``) and by allocation
candidates. Each part of a group becomes one correlated condition, so the database does the
filtering and only matching providers are ever loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, exists, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from nimbus.placement.db.models import (
    Allocation,
    Inventory,
    ProviderAggregate,
    ProviderTrait,
    ResourceProvider,
)


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


def capacity_of(inv: Any) -> Any:
    """What a provider can hand out of one class: (total - reserved) * allocation_ratio.

    ``inv`` is an ``Inventory`` row or the class itself: the same expression reads a loaded row
    in Python and builds the column expression in SQL.
    """
    return (inv.total - inv.reserved) * inv.allocation_ratio


def has_room(resource_class: str, amount: int, units: bool = True) -> ColumnElement[bool]:
    """The provider has inventory of the class with room for ``amount`` more (and, with
    ``units``, ``amount`` honours its min_unit, max_unit and step_size)."""
    used = (select(func.coalesce(func.sum(Allocation.used), 0))
            .where(Allocation.resource_provider_id == Inventory.resource_provider_id,
                   Allocation.resource_class == resource_class)
            .scalar_subquery())
    conditions: list[ColumnElement[bool]] = [
        Inventory.resource_provider_id == ResourceProvider.id,
        Inventory.resource_class == resource_class,
        used + amount <= capacity_of(Inventory),
    ]
    if units:
        conditions += [Inventory.min_unit <= amount, Inventory.max_unit >= amount,
                       literal(amount, BigInteger) % Inventory.step_size == 0]
    return exists(select(Inventory.id).where(*conditions))


def has_trait(provider_id: ColumnElement[int] | InstrumentedAttribute[int],
              names: Iterable[str]) -> ColumnElement[bool]:
    """The provider ``provider_id`` has at least one of the traits ``names``."""
    return exists(select(ProviderTrait.trait).where(
        ProviderTrait.resource_provider_id == provider_id, ProviderTrait.trait.in_(set(names))))


def in_aggregate(names: Iterable[str]) -> ColumnElement[bool]:
    """The provider is a member of at least one of the aggregates ``names``."""
    return exists(select(ProviderAggregate.aggregate_uuid).where(
        ProviderAggregate.resource_provider_id == ResourceProvider.id,
        ProviderAggregate.aggregate_uuid.in_(set(names))))


def group_conditions(group: RequestGroup) -> list[ColumnElement[bool]]:
    """The conditions a provider row must meet to satisfy ``group`` on its own."""
    conditions: list[ColumnElement[bool]] = []
    if group.in_tree is not None:
        # An unknown provider has no root: the comparison with NULL matches nothing.
        tree = aliased(ResourceProvider)
        root = select(tree.root_provider_id).where(tree.uuid == group.in_tree).scalar_subquery()
        conditions.append(ResourceProvider.root_provider_id == root)
    for resource_class, amount in sorted(group.resources.items()):
        conditions.append(has_room(resource_class, amount))
    for any_of in group.required_traits:
        conditions.append(has_trait(ResourceProvider.id, any_of))
    if group.forbidden_traits:
        conditions.append(~has_trait(ResourceProvider.id, group.forbidden_traits))
    for any_of in group.member_of:
        conditions.append(in_aggregate(any_of))
    if group.forbidden_aggregates:
        conditions.append(~in_aggregate(group.forbidden_aggregates))
    return conditions
