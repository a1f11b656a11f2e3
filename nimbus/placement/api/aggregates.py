"""/resource_providers/{uuid}/aggregates (1.1+; generation in the body from 1.19)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.common import path_uuid
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.schemas import providers as schemas
from nimbus.placement.state import PlacementState

router = Router()
PATH = "/resource_providers/{uuid}/aggregates"


def _shape(req: ApiRequest[PlacementState], generation: int,
           aggregates: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"aggregates": aggregates}
    if req.at_least("1.19"):
        out["resource_provider_generation"] = generation
    return out


@router.get(PATH, min_version="1.1", policy="placement:resource_providers:aggregates:list")
def list_aggregates(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List the aggregates of a resource provider."""
    generation, aggregates = req.svc.aggregates.of_provider(path_uuid(req))
    return _shape(req, generation, aggregates)


@router.put(PATH, min_version="1.1", body=schemas.AGGREGATES_PUT, faults=(409,),
            policy="placement:resource_providers:aggregates:update")
def set_aggregates(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Replace the aggregates of a resource provider."""
    if req.at_least("1.19"):
        wanted, generation = req.json["aggregates"], req.json["resource_provider_generation"]
    else:
        wanted, generation = req.json, None
    new_generation, aggregates = req.svc.aggregates.set_for_provider(
        path_uuid(req), generation, [normalise_uuid(a) for a in wanted])
    return _shape(req, new_generation, aggregates)
