"""Placement's rules, one module per concern; ``PlacementState`` bundles them for the API."""

from __future__ import annotations

from nimbus.core.db.engine import Database
from nimbus.placement.manager.allocations import AllocationManager
from nimbus.placement.manager.candidates import CandidateManager
from nimbus.placement.manager.classes import ResourceClassManager
from nimbus.placement.manager.inventories import InventoryManager
from nimbus.placement.manager.providers import ProviderManager
from nimbus.placement.manager.traits import AggregateManager, TraitManager
from nimbus.placement.manager.usages import UsageManager


class PlacementState:
    """The service state handlers reach as ``req.svc``."""

    def __init__(self, db: Database) -> None:
        self.providers = ProviderManager(db)
        self.inventories = InventoryManager(db)
        self.allocations = AllocationManager(db)
        self.candidates = CandidateManager(db)
        self.resource_classes = ResourceClassManager(db)
        self.traits = TraitManager(db)
        self.aggregates = AggregateManager(db)
        self.usages = UsageManager(db)
