"""Allocation and consumer queries: what consumers hold, usage sums, and the claim's writes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from nimbus.placement.db.models import Allocation, Consumer, ResourceProvider


def usages(session: Session, provider_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """Used amounts keyed by (provider id, resource class)."""
    ids = set(provider_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Allocation.resource_provider_id, Allocation.resource_class,
               func.sum(Allocation.used))
        .where(Allocation.resource_provider_id.in_(ids))
        .group_by(Allocation.resource_provider_id, Allocation.resource_class)
    )
    return {(rp_id, rc): int(used or 0) for rp_id, rc, used in rows}


def consumer(session: Session, uuid: str) -> Consumer | None:
    return session.scalars(select(Consumer).where(Consumer.uuid == uuid)).first()


def consumers(session: Session, uuids: Iterable[str]) -> dict[str, Consumer]:
    return {c.uuid: c for c in session.scalars(select(Consumer)
                                               .where(Consumer.uuid.in_(set(uuids))))}


def of_consumer(session: Session, uuid: str) -> list[tuple[str, int, str, int]]:
    """(provider uuid, provider generation, class, used) of each of the consumer's rows."""
    rows = session.execute(
        select(ResourceProvider.uuid, ResourceProvider.generation,
               Allocation.resource_class, Allocation.used)
        .join(ResourceProvider, ResourceProvider.id == Allocation.resource_provider_id)
        .where(Allocation.consumer_id == uuid)
        .order_by(Allocation.id))
    return [(rp_uuid, gen, rc, used) for rp_uuid, gen, rc, used in rows]


def of_provider(session: Session, provider_id: int) -> dict[str, dict[str, int]]:
    """What each consumer holds of the provider, by class."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for alloc in session.scalars(select(Allocation)
                                 .where(Allocation.resource_provider_id == provider_id)
                                 .order_by(Allocation.id)):
        found[alloc.consumer_id][alloc.resource_class] = alloc.used
    return dict(found)


def has_any(session: Session, consumer_uuid: str) -> bool:
    return session.scalar(select(Allocation.id)
                          .where(Allocation.consumer_id == consumer_uuid).limit(1)) is not None


def lock_providers(session: Session, uuids: Iterable[str],
                   consumer_uuids: Iterable[str]) -> list[ResourceProvider]:
    """The providers named, and those the consumers hold allocations on, locked in id order.

    Locking the rows (in id order, so writers never deadlock) queues claims on one provider
    behind each other on PostgreSQL and MariaDB instead of letting them all race to the
    compare-and-swap and retry; SQLite serialises writers anyway.
    """
    held = (select(Allocation.resource_provider_id)
            .where(Allocation.consumer_id.in_(set(consumer_uuids))).distinct())
    return list(session.scalars(
        select(ResourceProvider)
        .where(ResourceProvider.uuid.in_(set(uuids)) | ResourceProvider.id.in_(held))
        .order_by(ResourceProvider.id).with_for_update()))


def clear(session: Session, consumer_uuids: Iterable[str]) -> None:
    """Remove every allocation of the consumers."""
    session.execute(delete(Allocation).where(Allocation.consumer_id.in_(set(consumer_uuids)))
                    .execution_options(synchronize_session=False))
    session.flush()


def add_many(session: Session, rows: list[tuple[int, str, str, int]], now: dt.datetime) -> None:
    """Allocations as (provider id, consumer uuid, resource class, amount), in one statement
    (a batch of claims writes thousands; the ORM would add them one object at a time)."""
    if rows:
        session.execute(insert(Allocation), [
            {"resource_provider_id": rp, "consumer_id": consumer, "resource_class": rc,
             "used": amount, "created_at": now} for rp, consumer, rc, amount in rows])


def add_consumers(session: Session, rows: list[tuple[str, str, str, str | None]],
                  now: dt.datetime) -> None:
    """New consumers as (uuid, project id, user id, consumer type), at generation 1, in one
    statement."""
    if rows:
        session.execute(insert(Consumer), [
            {"uuid": uuid, "project_id": project, "user_id": user, "consumer_type": kind,
             "generation": 1, "created_at": now, "updated_at": now}
            for uuid, project, user, kind in rows])


def update_consumer(session: Session, row: Consumer, values: dict[str, Any]) -> bool:
    """Compare-and-swap the consumer from the generation read; False when another writer won."""
    result = session.execute(update(Consumer)
                             .where(Consumer.id == row.id, Consumer.generation == row.generation)
                             .values(**values).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def remove_consumer(session: Session, row: Consumer) -> None:
    session.execute(delete(Consumer).where(Consumer.id == row.id,
                                           Consumer.generation == row.generation))
