"""Placement: how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.placement import policies
from nimbus.placement.constants import MAX_VERSION, MIN_VERSION
from nimbus.placement.state import PlacementState, build


def _api() -> list[Router]:
    from nimbus.placement.api import (
        aggregates,
        allocations,
        candidates,
        classes,
        discovery,
        inventories,
        providers,
        reshaper,
        traits,
        usages,
    )

    return [module.router for module in (discovery, providers, inventories, classes, traits,
                                         aggregates, allocations, usages, candidates, reshaper)]


router = Router(gather=_api)


def health(state: PlacementState) -> dict[str, Any]:
    return {}


SERVICE = ServiceDef[PlacementState](
    name="placement",
    service_type="placement",
    prefix="/placement",
    endpoint_path="",
    fault_style="placement",
    router=router,
    policy=policies.RULES,
    microversion=MicroversionSpec("placement", MIN_VERSION, MAX_VERSION),
    start=build,
    health=health,
)
