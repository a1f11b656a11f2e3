"""/v2.0/security-groups"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import security_groups as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


@router.get("/v2.0/security-groups", query=schemas.LIST_QUERY)
def list_groups(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List security groups (making the caller's default group first, if missing)."""
    req.enforce("get_security_group")
    wanted = listing.read(req, "security_group")
    projects = wanted.filters.get("project_id", []) + wanted.filters.get("tenant_id", [])
    page = req.svc.security_groups.list_security_groups(req.ctx, projects, wanted.query,
                                                        wanted.filters, wanted.hidden)
    return listing.answer(req, "security_group", "security_groups", page, wanted)


@router.post("/v2.0/security-groups", status=201, body=schemas.CREATE, faults=(409,))
def create_group(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a security group, or several."""
    parsed, bulk = shape.created(req, "security_group", "security_groups", schemas.ATTRIBUTES)
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        shape.enforce_attrs(req, "create_security_group", attrs, target)
    groups = req.svc.security_groups
    made = shape.create_all(parsed, lambda attrs: groups.create_security_group(req.ctx, attrs),
                            None)
    return {"security_groups": made} if bulk else {"security_group": made[0]}


@router.get("/v2.0/security-groups/{group_id}", query=SHOW_QUERY)
def show_group(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a security group and its rules."""
    item = req.svc.security_groups.get_security_group(req.ctx, req.params["group_id"])
    req.enforce("get_security_group", item)
    return shape.show(req, "security_group", item)


@router.put("/v2.0/security-groups/{group_id}", body=schemas.UPDATE, faults=(409,))
def update_group(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Update a security group."""
    attrs = shape.updated(req, "security_group", schemas.ATTRIBUTES)
    item = req.svc.security_groups.get_security_group(req.ctx, req.params["group_id"])
    shape.enforce_attrs(req, "update_security_group", attrs, item)
    item = req.svc.security_groups.update_security_group(req.ctx, item["id"], attrs)
    return shape.show(req, "security_group", item)


@router.delete("/v2.0/security-groups/{group_id}", status=204, faults=(409,))
def delete_group(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a security group no port uses."""
    item = req.svc.security_groups.get_security_group(req.ctx, req.params["group_id"])
    req.enforce("delete_security_group", item)
    req.svc.security_groups.delete_security_group(req.ctx, item["id"])
    return Reply(None, 204)
