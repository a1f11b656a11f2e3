"""/resource_providers/{uuid}/aggregates (1.1+; generation in the body from 1.19)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.common import body, enforce, path_uuid, require_version
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.schemas import providers as schemas

router = Router()
PATH = "/resource_providers/{uuid}/aggregates"


def _shape(req: ApiRequest, generation: int, aggregates: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"aggregates": aggregates}
    if req.at_least("1.19"):
        out["resource_provider_generation"] = generation
    return out


@router.get(PATH)
def list_aggregates(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:aggregates:list")
    require_version(req, "1.1")
    generation, aggregates = req.svc.aggregates.of_provider(path_uuid(req))
    return _shape(req, generation, aggregates)


@router.put(PATH)
def set_aggregates(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:aggregates:update")
    require_version(req, "1.1")
    if req.at_least("1.19"):
        data = body(req, schemas.AGGREGATES)
        wanted, generation = data["aggregates"], data["resource_provider_generation"]
    else:
        wanted, generation = body(req, schemas.AGGREGATES_LEGACY), None
    new_generation, aggregates = req.svc.aggregates.set_for_provider(
        path_uuid(req), generation, [normalise_uuid(a) for a in wanted])
    return _shape(req, new_generation, aggregates)
