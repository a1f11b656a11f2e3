"""Inventories: how much of each resource class a provider has, and the rules for taking it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement.constants import MAX_INT
from nimbus.placement.db import inventories as queries
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.db.inventories import FIELDS
from nimbus.placement.db.models import Inventory, ResourceProvider
from nimbus.placement.errors import InventoryInUse
from nimbus.placement.manager.common import check_generation, resource_class_exists

DEFAULTS: dict[str, Any] = {"reserved": 0, "min_unit": 1, "max_unit": MAX_INT, "step_size": 1,
                            "allocation_ratio": 1.0}


def as_dict(inv: Inventory) -> dict[str, Any]:
    return {f: getattr(inv, f) for f in FIELDS}


class InventoryManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get_all(self, uuid: str) -> tuple[int, dict[str, dict[str, Any]]]:
        with self.db.reader() as s:
            rp = provider_queries.get(s, uuid)
            return rp.generation, self._load(s, rp)

    def get_one(self, uuid: str, rc: str) -> tuple[int, dict[str, Any]]:
        with self.db.reader() as s:
            rp = provider_queries.get(s, uuid)
            found = self._load(s, rp).get(rc)
            if found is None:
                raise errors.NotFound(f"No inventory of class {rc} for {uuid}")
            return rp.generation, found

    @retry_on_lock()
    def replace_all(self, uuid: str, generation: int, inventories: dict[str, dict[str, Any]],
                    reserved_may_equal_total: bool) -> tuple[int, dict[str, dict[str, Any]]]:
        """Make ``inventories`` the provider's whole inventory (PUT .../inventories)."""
        with self.db.writer() as s:
            rp = provider_queries.get(s, uuid)
            check_generation(rp, generation)
            wanted = {rc: self.validated(s, rp, rc, data, reserved_may_equal_total)
                      for rc, data in inventories.items()}
            self.store_all(s, rp, wanted, merge=False)
            return rp.generation, self._load(s, rp)

    @classmethod
    def store_all(cls, s: Session, rp: ResourceProvider, wanted: dict[str, dict[str, Any]],
                  merge: bool) -> None:
        """Write validated inventories and bump the generation; without ``merge`` the classes
        not in ``wanted`` are removed (a 409 if anything is allocated from them)."""
        current = {inv.resource_class: inv for inv in queries.of_provider(s, rp.id)}
        if not merge:
            cls._check_unused(s, rp, set(current) - set(wanted))
            for rc, inv in current.items():
                if rc not in wanted:
                    queries.remove(s, inv)
        for rc, data in wanted.items():
            queries.store(s, rp.id, current.get(rc), rc, data)
        s.flush()
        provider_queries.bump_generation(s, rp, rp.generation)

    def require_class(self, rc: str) -> None:
        """PUT .../inventories/{rc} names a class that exists, or it is a 400."""
        with self.db.reader() as s:
            if not resource_class_exists(s, rc):
                raise errors.BadRequest(f"No such resource class {rc}.")

    @retry_on_lock()
    def set_one(self, uuid: str, rc: str, generation: int | None, data: dict[str, Any],
                reserved_may_equal_total: bool, create: bool = False) -> tuple[int, dict[str, Any]]:
        """Update (or with ``create``, add) one class's inventory; a create names no
        generation (``None``), as Placement's POST takes none."""
        with self.db.writer() as s:
            rp = provider_queries.get(s, uuid)
            if generation is None:
                generation = rp.generation
            check_generation(rp, generation)
            valid = self.validated(s, rp, rc, data, reserved_may_equal_total,
                                   "create" if create else "update")
            current = {inv.resource_class: inv for inv in queries.of_provider(s, rp.id)}
            if create and rc in current:
                raise errors.Conflict(
                    f"Update conflict: Inventory for '{rc}' on resource provider '{uuid}' "
                    "already exists.", error_code="placement.undefined_code")
            if not create and rc not in current:
                raise errors.BadRequest(f"No inventory record with resource class for resource "
                                        f"provider {uuid}: {rc}")
            queries.store(s, rp.id, current.get(rc), rc, valid)
            s.flush()
            provider_queries.bump_generation(s, rp, generation)
            return rp.generation, self._load(s, rp)[rc]

    @retry_on_lock()
    def delete_one(self, uuid: str, rc: str) -> None:
        with self.db.writer() as s:
            rp = provider_queries.get(s, uuid)
            current = {inv.resource_class: inv for inv in queries.of_provider(s, rp.id)}
            if rc not in current:
                raise errors.NotFound(f"No inventory of class {rc} found for delete")
            self._check_unused(s, rp, {rc})
            queries.remove(s, current[rc])
            s.flush()
            provider_queries.bump_generation(s, rp, rp.generation)

    @retry_on_lock()
    def delete_all(self, uuid: str) -> None:
        with self.db.writer() as s:
            rp = provider_queries.get(s, uuid)
            rows = queries.of_provider(s, rp.id)
            self._check_unused(s, rp, {inv.resource_class for inv in rows})
            queries.remove_all(s, rp.id)
            provider_queries.bump_generation(s, rp, rp.generation)

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _load(s: Session, rp: ResourceProvider) -> dict[str, dict[str, Any]]:
        return {inv.resource_class: as_dict(inv) for inv in queries.of_provider(s, rp.id)}

    @staticmethod
    def _check_unused(s: Session, rp: ResourceProvider, classes: set[str]) -> None:
        used = queries.classes_in_use(s, rp.id, classes)
        if used:
            raise InventoryInUse(resource_classes=", ".join(used), uuid=rp.uuid)

    @staticmethod
    def validated(s: Session, rp: ResourceProvider, rc: str, data: dict[str, Any],
                   reserved_may_equal_total: bool, action: str = "update") -> dict[str, Any]:
        if not resource_class_exists(s, rc):
            lead = (f"Unable to create inventory for resource provider {rp.uuid}"
                    if action == "create" else
                    f"Unknown resource class in inventory for resource provider {rp.uuid}")
            raise errors.BadRequest(f"{lead}: No such resource class {rc}.")
        full = {**DEFAULTS, **{k: v for k, v in data.items() if k in FIELDS}}
        prefix = f"Unable to {action} inventory for resource provider {rp.uuid}: Invalid " \
                 f"inventory for '{rc}' on resource provider '{rp.uuid}'."
        too_much = (full["reserved"] > full["total"] if reserved_may_equal_total
                    else full["reserved"] >= full["total"] and full["reserved"] > 0)
        if too_much:
            raise errors.BadRequest(f"{prefix} The reserved value is greater than "
                                    f"{'' if reserved_may_equal_total else 'or equal to '}total.")
        if full["min_unit"] > full["max_unit"]:
            raise errors.BadRequest(f"{prefix} The min_unit value is greater than max_unit.")
        if full["step_size"] > full["max_unit"]:
            raise errors.BadRequest(f"{prefix} The step_size value is greater than max_unit.")
        full["allocation_ratio"] = float(full["allocation_ratio"])
        return full
