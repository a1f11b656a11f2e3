"""``/os-quota-sets``: a project's (or one of its users') compute quotas, their defaults, and
what is used of them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.api.strict_query import refuse_unknown
from nimbus.compute.manager.quotas import DEFAULT_QUOTAS, FILE_QUOTAS, LEGACY_QUOTAS
from nimbus.compute.schemas import quota_sets as schemas
from nimbus.compute.schemas.common import as_bool, bounded_int
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()
QUOTAS = f"{V}/os-quota-sets/{{project_id}}"


def shown(req: ApiRequest[ComputeState], limits: dict[str, Any]) -> dict[str, Any]:
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


def _target(req: ApiRequest[ComputeState], action: str) -> tuple[str, str | None]:
    """The project in the path and the user in the query (if any), with ``action``
    enforced; from 2.75 a query parameter other than ``user_id`` is refused."""
    project_id = req.params["project_id"]
    req.enforce(f"os_compute_api:os-quota-sets:{action}", {"project_id": project_id})
    refuse_unknown(req, schemas.QUERY_NAMES, "2.75")
    return project_id, req.args.get("user_id") or None


@router.get(f"{QUOTAS}/defaults", params=schemas.PROJECT_IN_PATH)
def defaults(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the default quotas."""
    req.enforce("os_compute_api:os-quota-sets:defaults")
    return {"quota_set": {"id": req.params["project_id"],
                          **shown(req, req.svc.quotas.defaults())}}


@router.get(QUOTAS, params=schemas.PROJECT_IN_PATH, query=schemas.USER_QUERY)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a project's (or a user's) quotas."""
    project_id, user_id = _target(req, "show")
    limits = req.svc.quotas.limits(project_id, user_id)
    return {"quota_set": {"id": project_id, **shown(req, limits)}}


@router.get(f"{QUOTAS}/detail", params=schemas.PROJECT_IN_PATH, query=schemas.USER_QUERY)
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a project's (or a user's) quotas and what is used of each."""
    project_id, user_id = _target(req, "detail")
    limits = req.svc.quotas.limits(project_id, user_id)
    used = req.svc.quotas.usage(project_id, user_id)
    return {"quota_set": {"id": project_id, **{
        name: {"limit": limit, "in_use": used.get(name, 0), "reserved": 0}
        for name, limit in shown(req, limits).items()}}}


@router.put(QUOTAS, body=schemas.UPDATE, params=schemas.PROJECT_IN_PATH,
            query=schemas.USER_QUERY)
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Change a project's (or a user's) quotas (admin)."""
    project_id, user_id = _target(req, "update")
    body = dict(req.json["quota_set"])
    force = as_bool(body.pop("force", False))
    # Quotas of services this API no longer fronts (networks) are accepted and not kept.
    values = {key: bounded_int(key, value, minimum=-1) for key, value in body.items()
              if key != "networks"}
    limits = req.svc.quotas.update(project_id, values, force, user_id)
    return {"quota_set": shown(req, limits)}


@router.delete(QUOTAS, status=202, params=schemas.PROJECT_IN_PATH, query=schemas.USER_QUERY)
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Revert a project's (or a user's) quotas to the defaults (admin)."""
    project_id, user_id = _target(req, "delete")
    req.svc.quotas.reset(project_id, user_id)
    return Reply(None, status=202)
