"""/v2.0/rbac-policies: an owner lets other projects use its network, QoS policy, address
scope or subnet pool."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import rbac as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/rbac-policies"
# The target that means every project.
WILDCARD = "*"


@router.get(BASE, query=schemas.LIST_QUERY)
def list_policies(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the caller's RBAC policies (every project's, for admins)."""
    req.enforce("get_rbac_policy")
    wanted = listing.read(req, "rbac_policy")
    page = req.svc.rbac.list_policies(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "rbac_policy", "rbac_policies", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE, faults=(404, 409))
def create_policy(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Let a project (or, admins only, every project) use an object."""
    [attrs], _ = shape.created(req, "rbac_policy", "rbac_policies", schemas.POLICY)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    req.enforce("create_rbac_policy", target)
    if attrs["target_tenant"] == WILDCARD:
        req.enforce("create_rbac_policy:target_tenant", target)
    return {"rbac_policy": req.svc.rbac.create_policy(req.ctx, attrs)}


@router.get(BASE + "/{policy_id}", query=SHOW_QUERY, faults=(404,))
def show_policy(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show an RBAC policy."""
    item = req.svc.rbac.get_policy(req.ctx, req.params["policy_id"])
    req.enforce("get_rbac_policy", item)
    return shape.show(req, "rbac_policy", item)


@router.put(BASE + "/{policy_id}", body=schemas.UPDATE, faults=(404, 409))
def update_policy(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Give an RBAC policy another target project."""
    attrs = shape.updated(req, "rbac_policy", schemas.POLICY)
    item = req.svc.rbac.get_policy(req.ctx, req.params["policy_id"])
    req.enforce("update_rbac_policy", item)
    if attrs.get("target_tenant") == WILDCARD:
        req.enforce("update_rbac_policy:target_tenant", item)
    return shape.show(req, "rbac_policy",
                      req.svc.rbac.update_policy(req.ctx, item["id"], attrs))


@router.delete(BASE + "/{policy_id}", status=204, faults=(404, 409))
def delete_policy(req: ApiRequest[NetworkState]) -> Reply:
    """Take a grant back, unless the target still uses the object."""
    item = req.svc.rbac.get_policy(req.ctx, req.params["policy_id"])
    req.enforce("delete_rbac_policy", item)
    req.svc.rbac.delete_policy(req.ctx, item["id"])
    return Reply(None, 204)
