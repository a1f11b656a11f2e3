"""Placement's state in one process: its managers, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.platform import Platform
from nimbus.placement.manager.aggregates import AggregateManager
from nimbus.placement.manager.allocations import AllocationManager
from nimbus.placement.manager.candidates import CandidateManager
from nimbus.placement.manager.classes import ResourceClassManager
from nimbus.placement.manager.inventories import InventoryManager
from nimbus.placement.manager.providers import ProviderManager
from nimbus.placement.manager.reshaper import ReshapeManager
from nimbus.placement.manager.traits import TraitManager
from nimbus.placement.manager.usages import UsageManager


@dataclass
class PlacementState:
    """What handlers reach as ``req.svc``: one manager per resource, all on one database."""

    providers: ProviderManager
    inventories: InventoryManager
    allocations: AllocationManager
    candidates: CandidateManager
    resource_classes: ResourceClassManager
    traits: TraitManager
    aggregates: AggregateManager
    usages: UsageManager
    reshaper: ReshapeManager


def build(platform: Platform) -> PlacementState:
    db = platform.db
    allocations = AllocationManager(db)
    return PlacementState(
        providers=ProviderManager(db),
        inventories=InventoryManager(db),
        allocations=allocations,
        candidates=CandidateManager(db),
        resource_classes=ResourceClassManager(db),
        traits=TraitManager(db),
        aggregates=AggregateManager(db),
        usages=UsageManager(db),
        reshaper=ReshapeManager(db, allocations),
    )
