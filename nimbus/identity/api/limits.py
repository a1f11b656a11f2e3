"""``/v3/registered_limits``, ``/v3/limits`` and ``/v3/limits/model``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base, filters
from nimbus.identity.manager.limits import MODEL
from nimbus.identity.schemas import limits as schema
from nimbus.identity.schemas import queries, views
from nimbus.identity.state import IdentityState

router = Router()


# -- registered limits ----------------------------------------------------------------------
@router.post("/v3/registered_limits", status=201, body=schema.REGISTERED_CREATE_BODY,
             faults=(409,))
def create_registered(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Register default limits of services' resources."""
    req.enforce("identity:create_registered_limits")
    items = req.json["registered_limits"]
    rows = req.svc.limits.create_registered(items)
    return {"registered_limits": [schema.registered(base(req), r) for r in rows]}


@router.get("/v3/registered_limits",
            query=queries.text("service_id", "region_id", "resource_name"))
def list_registered(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List registered limits."""
    req.enforce("identity:list_registered_limits")
    rows = req.svc.limits.list_registered(
        filters(req, "service_id", "region_id", "resource_name"))
    return views.collection(base(req), "registered_limits", "registered_limits",
                            [schema.registered(base(req), r) for r in rows])


@router.get("/v3/registered_limits/{limit_id}")
def show_registered(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a registered limit."""
    req.enforce("identity:get_registered_limit")
    row = req.svc.limits.get_registered(req.params["limit_id"])
    return {"registered_limit": schema.registered(base(req), row)}


@router.patch("/v3/registered_limits/{limit_id}", body=schema.REGISTERED_UPDATE_BODY,
              faults=(409,))
def update_registered(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a registered limit (not its identity while project limits use it)."""
    req.enforce("identity:update_registered_limit")
    row = req.svc.limits.update_registered(req.params["limit_id"], req.json["registered_limit"])
    return {"registered_limit": schema.registered(base(req), row)}


@router.delete("/v3/registered_limits/{limit_id}", status=204)
def delete_registered(req: ApiRequest[IdentityState]) -> None:
    """Delete a registered limit no project limit uses."""
    req.enforce("identity:delete_registered_limit")
    req.svc.limits.delete_registered(req.params["limit_id"])


# -- limits ---------------------------------------------------------------------------------
@router.get("/v3/limits/model")
def limit_model(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The limit enforcement model (flat)."""
    req.enforce("identity:get_limit_model")
    return {"model": dict(MODEL)}


@router.post("/v3/limits", status=201, body=schema.LIMIT_CREATE_BODY, faults=(404, 409))
def create_limits(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create project or domain limits overriding registered ones."""
    req.enforce("identity:create_limits")
    items = req.json["limits"]
    rows = req.svc.limits.create_limits(items)
    return {"limits": [schema.limit(base(req), r) for r in rows]}


@router.get("/v3/limits", query=queries.text("service_id", "region_id", "resource_name",
                                             "project_id", "domain_id"))
def list_limits(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the limits the caller's scope sees."""
    req.enforce("identity:list_limits")
    wanted = filters(req, "service_id", "region_id", "resource_name", "project_id",
                     "domain_id")
    if not req.ctx.is_admin and not req.ctx.system_scope:
        # Everyone else sees the limits of the project (or domain) their token is scoped to.
        if req.ctx.project_id:
            wanted["project_id"] = req.ctx.project_id
        elif req.ctx.domain_id:
            wanted["domain_id"] = req.ctx.domain_id
        else:
            return views.collection(base(req), "limits", "limits", [])
    rows = req.svc.limits.list_limits(wanted)
    return views.collection(base(req), "limits", "limits",
                            [schema.limit(base(req), r) for r in rows])


@router.get("/v3/limits/{limit_id}")
def show_limit(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a limit."""
    row = req.svc.limits.get_limit(req.params["limit_id"])
    # Only the owner that is set goes in: a None would match a token without that scope.
    target = {k: v for k, v in (("target.limit.project_id", row.project_id),
                                ("target.limit.domain_id", row.domain_id)) if v}
    req.enforce("identity:get_limit", target)
    return {"limit": schema.limit(base(req), row)}


@router.patch("/v3/limits/{limit_id}", body=schema.LIMIT_UPDATE_BODY)
def update_limit(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a limit's value or description."""
    req.enforce("identity:update_limit")
    return {"limit": schema.limit(base(req), req.svc.limits.update_limit(
        req.params["limit_id"], req.json["limit"]))}


@router.delete("/v3/limits/{limit_id}", status=204)
def delete_limit(req: ApiRequest[IdentityState]) -> None:
    """Delete a limit."""
    req.enforce("identity:delete_limit")
    req.svc.limits.delete_limit(req.params["limit_id"])
