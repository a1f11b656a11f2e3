"""Aggregate queries: the aggregates a provider is a member of."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.placement.db.models import ProviderAggregate


def of_provider(session: Session, provider_id: int) -> list[str]:
    return sorted(session.scalars(select(ProviderAggregate.aggregate_uuid)
                                  .where(ProviderAggregate.resource_provider_id == provider_id)))


def replace_for_provider(session: Session, provider_id: int, aggregates: Iterable[str]) -> None:
    session.execute(delete(ProviderAggregate)
                    .where(ProviderAggregate.resource_provider_id == provider_id))
    for agg in sorted(set(aggregates)):
        session.add(ProviderAggregate(resource_provider_id=provider_id, aggregate_uuid=agg))
    session.flush()
