"""Allocations: consumers claiming resources from providers, atomically and without overcommit.

A write reads the generation of every provider it touches, checks capacity, writes the rows and
then compare-and-swaps each generation. Two writers racing for one provider cannot both win the
swap (the UPDATE locks the row on PostgreSQL and MariaDB; SQLite serialises writers), so the loser
rolls back and redoes its whole unit of work against fresh usage, as Placement does.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement.constants import INCOMPLETE_CONSUMER
from nimbus.placement.db import allocations as queries
from nimbus.placement.db import inventories as inventory_queries
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.db.models import Consumer, ResourceProvider
from nimbus.placement.db.providers import bump_generation
from nimbus.placement.errors import (
    CapacityExceeded,
    ConcurrentUpdate,
    ConstraintViolated,
    RetryWrite,
)
from nimbus.placement.manager.common import capacity, require_resource_classes

__all__ = ["INCOMPLETE_CONSUMER", "UNSET", "AllocationManager", "ConsumerAllocations"]

LOG = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


class _Unset:
    """The consumer generation was not sent (before 1.28): do not check it."""


UNSET = _Unset()


@dataclass
class ConsumerAllocations:
    """What one consumer should hold once the write is done (empty: nothing)."""

    consumer_uuid: str
    allocations: dict[str, dict[str, int]] = field(default_factory=dict)
    project_id: str = INCOMPLETE_CONSUMER
    user_id: str = INCOMPLETE_CONSUMER
    generation: int | None | _Unset = UNSET
    consumer_type: str | None = None


class AllocationManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads ---------------------------------------------------------------------------

    def of_consumer(self, consumer_uuid: str) -> dict[str, Any] | None:
        """The consumer's allocations by provider, with its owner and generation; None if none."""
        with self.db.reader() as s:
            consumer = queries.consumer(s, consumer_uuid)
            rows = queries.of_consumer(s, consumer_uuid)
            if consumer is None and not rows:
                return None
            by_rp: dict[str, dict[str, Any]] = {}
            for rp_uuid, generation, rc, used in rows:
                entry = by_rp.setdefault(rp_uuid, {"generation": generation, "resources": {}})
                entry["resources"][rc] = used
            return {
                "allocations": by_rp,
                "project_id": consumer.project_id if consumer else INCOMPLETE_CONSUMER,
                "user_id": consumer.user_id if consumer else INCOMPLETE_CONSUMER,
                "consumer_generation": consumer.generation if consumer else None,
                "consumer_type": (consumer.consumer_type if consumer else None) or "unknown",
            }

    def of_provider(self, uuid: str) -> tuple[int, dict[str, dict[str, int]]]:
        with self.db.reader() as s:
            rp = provider_queries.get(s, uuid)
            return rp.generation, queries.of_provider(s, rp.id)

    # -- writes --------------------------------------------------------------------------

    def replace(self, wanted: list[ConsumerAllocations]) -> None:
        """Give each consumer exactly its listed allocations, all or nothing."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                self._attempt(wanted)
                return
            except RetryWrite as race:
                LOG.debug("allocation write lost a race on %s (attempt %d)", race, attempt + 1)
                # Jitter, so writers that collided once do not collide again in lockstep.
                time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 6)))
        raise ConcurrentUpdate(
            "Unable to allocate inventory: another process changed the resource providers "
            "concurrently; please retry.")

    def delete(self, consumer_uuid: str) -> None:
        if self.of_consumer(consumer_uuid) is None or not self._has_allocations(consumer_uuid):
            raise errors.NotFound(f"No allocations for consumer '{consumer_uuid}'")
        self.replace([ConsumerAllocations(consumer_uuid)])

    def _has_allocations(self, consumer_uuid: str) -> bool:
        with self.db.reader() as s:
            return queries.has_any(s, consumer_uuid)

    @retry_on_lock()
    def _attempt(self, wanted: list[ConsumerAllocations]) -> None:
        try:
            with self.db.writer() as s:
                self.write(s, wanted)
        except IntegrityError as exc:
            # Two writers created the same new consumer at once; the loser starts again.
            raise RetryWrite("consumer") from exc

    def write(self, s: Session, wanted: list[ConsumerAllocations]) -> None:
        """Replace the consumers' allocations inside the caller's transaction."""
        uuids = {w.consumer_uuid for w in wanted}
        consumers = queries.consumers(s, uuids)
        for w in wanted:
            _check_consumer_generation(w, consumers.get(w.consumer_uuid))
        try:
            require_resource_classes(s, (rc for w in wanted for res in w.allocations.values()
                                         for rc in res))
        except errors.BadRequest as exc:
            raise errors.BadRequest(f"Unable to allocate inventory for consumer "
                                    f"{wanted[0].consumer_uuid}: {exc}") from None
        rps = queries.lock_providers(s, {rp for w in wanted for rp in w.allocations}, uuids)
        by_uuid = {rp.uuid: rp for rp in rps}
        for w in wanted:
            for rp_uuid in w.allocations:
                if rp_uuid not in by_uuid:
                    raise errors.BadRequest(
                        f"Allocation for resource provider '{rp_uuid}' that does not exist.",
                        error_code="placement.resource_provider.not_found")
        # Generations are read before usage: any claim committed after this point makes the
        # compare-and-swap below fail, so usage can never be stale when we win it.
        generations = {rp.id: rp.generation for rp in rps}
        queries.clear(s, uuids)
        self._check_capacity(s, wanted, by_uuid)
        now = utcnow()
        queries.add_many(s, [(by_uuid[rp_uuid].id, w.consumer_uuid, rc, amount)
                             for w in wanted for rp_uuid, resources in w.allocations.items()
                             for rc, amount in resources.items()], now)
        for rp in rps:
            bump_generation(s, rp, generations[rp.id], retry=True)
        queries.add_consumers(s, [(w.consumer_uuid, w.project_id, w.user_id, w.consumer_type)
                                  for w in wanted if w.allocations
                                  and consumers.get(w.consumer_uuid) is None], now)
        for w in wanted:
            consumer = consumers.get(w.consumer_uuid)
            if consumer is not None or not w.allocations:
                _save_consumer(s, w, consumer)

    @staticmethod
    def _check_capacity(s: Session, wanted: list[ConsumerAllocations],
                        by_uuid: dict[str, ResourceProvider]) -> None:
        ids = {by_uuid[rp].id for w in wanted for rp in w.allocations}
        classes = {rc for w in wanted for res in w.allocations.values() for rc in res}
        invs = inventory_queries.of_providers(s, ids, classes)
        used = queries.usages(s, ids)
        asked: dict[tuple[int, str], int] = defaultdict(int)
        for w in wanted:
            for rp_uuid, resources in w.allocations.items():
                rp = by_uuid[rp_uuid]
                for rc, amount in resources.items():
                    inv = invs.get(rp.id, {}).get(rc)
                    if inv is None:
                        raise ConstraintViolated(
                            resource_class=rc, uuid=rp_uuid,
                            reason=f"Inventory for '{rc}' on resource provider '{rp_uuid}' "
                                   "invalid.")
                    _check_units(rp_uuid, rc, amount, inv.min_unit, inv.max_unit, inv.step_size)
                    asked[(rp.id, rc)] += amount
        uuid_of = {rp.id: rp.uuid for rp in by_uuid.values()}
        for (rp_id, rc), amount in sorted(asked.items()):
            inv = invs[rp_id][rc]
            if used.get((rp_id, rc), 0) + amount > capacity(inv):
                raise CapacityExceeded(resource_class=rc, uuid=uuid_of[rp_id])


def _check_units(rp_uuid: str, rc: str, amount: int, min_unit: int, max_unit: int,
                 step_size: int) -> None:
    reason = None
    if amount < min_unit:
        reason = f"The requested amount {amount} is less than min_unit {min_unit}."
    elif amount > max_unit:
        reason = f"The requested amount {amount} is greater than max_unit {max_unit}."
    elif amount % step_size:
        reason = f"The requested amount {amount} is not a multiple of step_size {step_size}."
    if reason:
        raise ConstraintViolated(resource_class=rc, uuid=rp_uuid, reason=reason)


def _check_consumer_generation(w: ConsumerAllocations, consumer: Consumer | None) -> None:
    if isinstance(w.generation, _Unset):
        return
    if consumer is None and w.generation is not None:
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected null but got {w.generation}")
    if consumer is not None and w.generation != consumer.generation:
        given = "null" if w.generation is None else w.generation
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected {consumer.generation} but got {given}")


def _save_consumer(s: Session, w: ConsumerAllocations, consumer: Consumer | None) -> None:
    """Record the consumer's owner and bump its generation; a consumer with nothing is dropped."""
    if not w.allocations:
        if consumer is not None:
            queries.remove_consumer(s, consumer)
        return
    if consumer is None:
        return      # a new consumer with allocations: added with the others, in one statement
    values: dict[str, Any] = {"generation": consumer.generation + 1, "updated_at": utcnow()}
    if w.project_id != INCOMPLETE_CONSUMER:
        values.update(project_id=w.project_id, user_id=w.user_id)
    if w.consumer_type is not None:
        values["consumer_type"] = w.consumer_type
    if not queries.update_consumer(s, consumer, values):
        raise RetryWrite(w.consumer_uuid)
