"""Usage queries: sums of allocations per provider, and per project's consumers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.placement.db.models import Allocation, Consumer, Inventory

# How a consumer written before consumer types (1.38) is counted.
UNKNOWN_TYPE = "unknown"


def of_provider(session: Session, provider_id: int) -> dict[str, int]:
    """Usage of every class the provider has inventory of (0 when unused)."""
    found = {rc: 0 for rc in session.scalars(
        select(Inventory.resource_class).where(Inventory.resource_provider_id == provider_id))}
    for rc, used in session.execute(
            select(Allocation.resource_class, func.sum(Allocation.used))
            .where(Allocation.resource_provider_id == provider_id)
            .group_by(Allocation.resource_class)):
        found[rc] = int(used or 0)
    return found


def of_project(session: Session, project_id: str, user_id: str | None = None,
               consumer_type: str | None = None) -> list[tuple[str, str, str, int]]:
    """(consumer uuid, consumer type, class, used) summed per consumer and class, of the
    project's (and user's) consumers, of one consumer type when ``consumer_type`` is given."""
    kind = func.coalesce(Consumer.consumer_type, UNKNOWN_TYPE)
    query = (select(Consumer.uuid, kind, Allocation.resource_class, func.sum(Allocation.used))
             .join(Allocation, Allocation.consumer_id == Consumer.uuid)
             .where(Consumer.project_id == project_id)
             .group_by(Consumer.uuid, Consumer.consumer_type, Allocation.resource_class))
    if user_id is not None:
        query = query.where(Consumer.user_id == user_id)
    if consumer_type is not None:
        query = query.where(kind == consumer_type)
    return [(uuid, ctype, rc, int(used or 0)) for uuid, ctype, rc, used in session.execute(query)]
