"""Inventory queries: a provider's rows, several providers' rows, and which classes are in use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.placement.db.models import Allocation, Inventory

FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")


def of_provider(session: Session, provider_id: int) -> list[Inventory]:
    return list(session.scalars(select(Inventory)
                                .where(Inventory.resource_provider_id == provider_id)
                                .order_by(Inventory.resource_class)))


def of_providers(session: Session, ids: Iterable[int],
                 classes: Iterable[str] | None = None) -> dict[int, dict[str, Inventory]]:
    """Inventories by provider id and class, of the providers ``ids`` (and ``classes``)."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(Inventory).where(Inventory.resource_provider_id.in_(wanted))
    if classes is not None:
        query = query.where(Inventory.resource_class.in_(set(classes)))
    found: dict[int, dict[str, Inventory]] = defaultdict(dict)
    for inv in session.scalars(query):
        found[inv.resource_provider_id][inv.resource_class] = inv
    return found


def classes_in_use(session: Session, provider_id: int, classes: Iterable[str]) -> list[str]:
    """Those of ``classes`` the provider has allocations of, sorted."""
    wanted = set(classes)
    if not wanted:
        return []
    return sorted(session.scalars(
        select(Allocation.resource_class).where(
            Allocation.resource_provider_id == provider_id,
            Allocation.resource_class.in_(wanted))
        .distinct()))


def store(session: Session, provider_id: int, row: Inventory | None, resource_class: str,
          values: dict[str, Any]) -> Inventory:
    """Write ``values`` (every field of ``FIELDS``) into ``row``, or a new row when None."""
    if row is None:
        row = Inventory(resource_provider_id=provider_id, resource_class=resource_class)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, values[name])
    return row


def remove(session: Session, row: Inventory) -> None:
    session.delete(row)


def remove_all(session: Session, provider_id: int) -> None:
    session.execute(delete(Inventory).where(Inventory.resource_provider_id == provider_id))
