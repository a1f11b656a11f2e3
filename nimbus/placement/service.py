"""Placement: how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.platform import Platform
from nimbus.placement import policies
from nimbus.placement.api import (
    aggregates,
    allocations,
    candidates,
    classes,
    discovery,
    inventories,
    providers,
    traits,
    usages,
)
from nimbus.placement.manager import PlacementState

router = Router()
for module in (discovery, providers, inventories, classes, traits, aggregates, allocations,
               usages, candidates):
    router.include(module.router)


def start(cloud: Platform) -> PlacementState:
    return PlacementState(cloud.db)


def health(state: Any) -> dict[str, Any]:
    return {}


SERVICE = ServiceDef(
    name="placement",
    service_type="placement",
    prefix="/placement",
    endpoint_path="",
    fault_style="placement",
    router=router,
    policy=policies.RULES,
    microversion=MicroversionSpec("placement", "1.0", "1.39"),
    start=start,
    health=health,
)
