"""Usages and allocations seen from a provider, and usage totals of a project (1.9+)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.common import path_uuid
from nimbus.placement.api.query import check_query
from nimbus.placement.schemas import queries
from nimbus.placement.state import PlacementState

router = Router()


@router.get("/resource_providers/{uuid}/usages", policy="placement:resource_providers:usages")
def provider_usages(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Show what is used of each class a provider has."""
    generation, found = req.svc.usages.of_provider(path_uuid(req))
    return {"usages": found, "resource_provider_generation": generation}


@router.get("/resource_providers/{uuid}/allocations", policy="placement:resource_providers:allocations:list")
def provider_allocations(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List what each consumer holds of a provider."""
    generation, found = req.svc.allocations.of_provider(path_uuid(req))
    return {"allocations": {c: {"resources": r} for c, r in found.items()},
            "resource_provider_generation": generation}


@router.get("/usages", min_version="1.9", query=queries.USAGES)
def project_usages(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Show the usage totals of a project (and user), by consumer type from 1.38."""
    # A project's reader may see its own project's totals: the target is the project asked for.
    req.enforce("placement:usages", {"project_id": req.args["project_id"]})
    allowed = {"project_id", "user_id"} | ({"consumer_type"} if req.at_least("1.38") else set())
    check_query(req, allowed)
    by_type = req.at_least("1.38")
    found = req.svc.usages.totals(req.args["project_id"], req.args.get("user_id"), by_type,
                                  req.args.get("consumer_type"))
    return {"usages": found}
