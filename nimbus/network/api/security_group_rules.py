"""/v2.0/security-group-rules"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import security_group_rules as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


@router.get("/v2.0/security-group-rules", query=schemas.LIST_QUERY)
def list_rules(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List security group rules."""
    req.enforce("get_security_group_rule")
    wanted = listing.read(req, "security_group_rule")
    page = req.svc.security_group_rules.list_rules(req.ctx, wanted.query, wanted.filters,
                                                   wanted.hidden)
    return listing.answer(req, "security_group_rule", "security_group_rules", page, wanted)


@router.post("/v2.0/security-group-rules", status=201, body=schemas.CREATE,
             faults=(404, 409))
def create_rule(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a security group rule, or several."""
    parsed, bulk = shape.created(req, "security_group_rule", "security_group_rules",
                                 schemas.ATTRIBUTES)
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        shape.enforce_attrs(req, "create_security_group_rule", attrs, target)
    rules = req.svc.security_group_rules
    made = shape.create_all(parsed, lambda attrs: rules.create_rule(req.ctx, attrs),
                            lambda rule_id: rules.delete_rule(req.ctx, rule_id))
    return {"security_group_rules": made} if bulk else {"security_group_rule": made[0]}


@router.get("/v2.0/security-group-rules/{rule_id}", query=SHOW_QUERY)
def show_rule(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a security group rule."""
    item = req.svc.security_group_rules.get_rule(req.ctx, req.params["rule_id"])
    req.enforce("get_security_group_rule", item)
    return shape.show(req, "security_group_rule", item)


@router.delete("/v2.0/security-group-rules/{rule_id}", status=204)
def delete_rule(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a security group rule."""
    item = req.svc.security_group_rules.get_rule(req.ctx, req.params["rule_id"])
    req.enforce("delete_security_group_rule", item)
    req.svc.security_group_rules.delete_rule(req.ctx, item["id"])
    return Reply(None, 204)
