"""``/os-quota-sets``: a project's compute quotas, their defaults, and what it uses of them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.manager.quotas import DEFAULT_QUOTAS, FILE_QUOTAS, LEGACY_QUOTAS
from nimbus.compute.schemas import quota_sets as schemas
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()
QUOTAS = f"{V}/os-quota-sets/{{project_id}}"


def shown(req: ApiRequest[ComputeState], limits: dict[str, int]) -> dict[str, int]:
    """The limits the request's microversion shows: network ones until 2.36, injected files
    until 2.57."""
    names = list(DEFAULT_QUOTAS)
    if not req.at_least("2.36"):
        names += list(LEGACY_QUOTAS)
    if not req.at_least("2.57"):
        names += list(FILE_QUOTAS)
    return {name: limits[name] for name in names}


def quota_set(req: ApiRequest[ComputeState], project_id: str | None = None) -> dict[str, int]:
    """The limits of ``project_id`` (the caller's by default) the request's version shows."""
    return shown(req, req.svc.quotas.limits(project_id or str(req.ctx.project_id)))


@router.get(f"{QUOTAS}/defaults", params=schemas.PROJECT_IN_PATH)
def defaults(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the default quotas."""
    req.enforce("os_compute_api:os-quota-sets:defaults")
    limits = {**DEFAULT_QUOTAS, **LEGACY_QUOTAS, **FILE_QUOTAS}
    return {"quota_set": {"id": req.params["project_id"], **shown(req, limits)}}


@router.get(QUOTAS, params=schemas.PROJECT_IN_PATH)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a project's quotas."""
    project_id = req.params["project_id"]
    req.enforce("os_compute_api:os-quota-sets:show", {"project_id": project_id})
    return {"quota_set": {"id": project_id, **quota_set(req, project_id)}}


@router.get(f"{QUOTAS}/detail", params=schemas.PROJECT_IN_PATH)
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a project's quotas and what it uses of each."""
    project_id = req.params["project_id"]
    req.enforce("os_compute_api:os-quota-sets:detail", {"project_id": project_id})
    used = req.svc.quotas.usage(project_id)
    return {"quota_set": {"id": project_id, **{
        name: {"limit": limit, "in_use": used.get(name, 0), "reserved": 0}
        for name, limit in quota_set(req, project_id).items()}}}


@router.put(QUOTAS, body=schemas.UPDATE, params=schemas.PROJECT_IN_PATH)
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Change a project's quotas (admin)."""
    project_id = req.params["project_id"]
    req.enforce("os_compute_api:os-quota-sets:update", {"project_id": project_id})
    body = dict(req.json["quota_set"])
    force = as_bool(body.pop("force", False))
    # Quotas of services this API no longer fronts (networks) are accepted and not kept.
    values = {key: int(value) for key, value in body.items() if key != "networks"}
    limits = req.svc.quotas.update(project_id, values, force)
    return {"quota_set": shown(req, limits)}


@router.delete(QUOTAS, status=202, params=schemas.PROJECT_IN_PATH)
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Revert a project's quotas to the defaults (admin)."""
    project_id = req.params["project_id"]
    req.enforce("os_compute_api:os-quota-sets:delete", {"project_id": project_id})
    req.svc.quotas.reset(project_id)
    return Reply(None, status=202)
