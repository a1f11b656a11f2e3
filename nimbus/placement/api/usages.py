"""Usages and allocations seen from a provider, and usage totals of a project (1.9+)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.common import check_query, enforce, path_uuid, require_version

router = Router()


@router.get("/resource_providers/{uuid}/usages")
def provider_usages(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:usages")
    generation, found = req.svc.usages.of_provider(path_uuid(req))
    return {"usages": found, "resource_provider_generation": generation}


@router.get("/resource_providers/{uuid}/allocations")
def provider_allocations(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:allocations:list")
    generation, found = req.svc.allocations.of_provider(path_uuid(req))
    return {"allocations": {c: {"resources": r} for c, r in found.items()},
            "resource_provider_generation": generation}


@router.get("/usages")
def project_usages(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "usages")
    require_version(req, "1.9")
    allowed = {"project_id", "user_id"} | ({"consumer_type"} if req.at_least("1.38") else set())
    check_query(req, allowed)
    project_id = req.query.get("project_id")
    if not project_id:
        raise errors.BadRequest("Invalid query string parameters: 'project_id' is a required "
                                "property", error_code="placement.query.missing_value")
    by_type = req.at_least("1.38")
    found = req.svc.usages.totals(project_id, req.query.get("user_id"), by_type,
                                  req.query.get("consumer_type"))
    return {"usages": found}
