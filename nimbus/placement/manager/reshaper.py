"""The reshaper: move inventory and allocations between providers in one transaction.

A virt driver that splits a root provider's inventory into children (or folds it back) must move
the allocations with it, and no reader may see the inventory gone while the allocations still
point at it. As Placement does, the providers' inventories are first widened to the union of
the old and the new, the consumers' allocations are then replaced, and the inventories are
finally narrowed to exactly what was asked. Every step bumps the generations it touches; any
failure rolls all of it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from nimbus.core import errors
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.errors import PROVIDER_NOT_FOUND, ConcurrentUpdate, RetryWrite
from nimbus.placement.manager.allocations import AllocationManager, ConsumerAllocations
from nimbus.placement.manager.inventories import InventoryManager


@dataclass
class ProviderInventories:
    """The whole inventory one provider should have, written against its generation."""

    uuid: str
    generation: int
    inventories: dict[str, dict[str, Any]]


class ReshapeManager:
    def __init__(self, db: Database, allocations: AllocationManager) -> None:
        self.db = db
        self.allocations = allocations

    @retry_on_lock()
    def reshape(self, inventories: list[ProviderInventories],
                wanted: list[ConsumerAllocations], reserved_may_equal_total: bool) -> None:
        try:
            with self.db.writer() as s:
                targets = []
                for item in inventories:
                    rp = provider_queries.find(s, item.uuid)
                    if rp is None:
                        raise errors.BadRequest(
                            f"Resource provider {item.uuid} in inventories not found: No "
                            f"resource provider with uuid {item.uuid} found",
                            error_code=PROVIDER_NOT_FOUND)
                    if rp.generation != item.generation:
                        raise ConcurrentUpdate(
                            f"resource provider generation conflict for provider {item.uuid}: "
                            f"actual: {rp.generation}, given: {item.generation}")
                    valid = {rc: InventoryManager.validated(s, rp, rc, data,
                                                            reserved_may_equal_total)
                             for rc, data in item.inventories.items()}
                    targets.append((rp, valid))
                for rp, valid in targets:
                    if valid:
                        InventoryManager.store_all(s, rp, valid, merge=True)
                self.allocations.write(s, wanted)
                for rp, valid in targets:
                    InventoryManager.store_all(s, rp, valid, merge=False)
        except (RetryWrite, IntegrityError):
            raise ConcurrentUpdate("update conflict: another process changed the resource "
                                   "providers or consumers concurrently; please retry.") from None
