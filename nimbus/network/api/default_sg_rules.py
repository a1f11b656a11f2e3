"""/v2.0/default-security-group-rules: the templates of new security groups' rules."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import default_sg_rules as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/default-security-group-rules"
RESOURCE = "default_security_group_rule"


@router.get(BASE, query=schemas.LIST_QUERY)
def list_rules(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the default security group rules."""
    if not req.decide("get_default_security_group_rule"):
        return {"default_security_group_rules": []}
    wanted = listing.read(req, RESOURCE)
    page = req.svc.default_sg_rules.list_rules(wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, RESOURCE, "default_security_group_rules", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE, faults=(409,))
def create_rule(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add a rule that new security groups get."""
    [attrs], _ = shape.created(req, RESOURCE, "default_security_group_rules",
                               schemas.ATTRIBUTES)
    req.enforce("create_default_security_group_rule")
    return {RESOURCE: req.svc.default_sg_rules.create_rule(attrs)}


@router.get(BASE + "/{rule_id}", query=SHOW_QUERY, faults=(404,))
def show_rule(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a default security group rule."""
    shape.enforce_seen(req, "get_default_security_group_rule",
                       seen="get_default_security_group_rule")
    return shape.show(req, RESOURCE, req.svc.default_sg_rules.get_rule(req.params["rule_id"]))


@router.delete(BASE + "/{rule_id}", status=204, faults=(404,))
def delete_rule(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a default security group rule (groups made before keep theirs)."""
    shape.enforce_seen(req, "delete_default_security_group_rule",
                       seen="get_default_security_group_rule")
    req.svc.default_sg_rules.delete_rule(req.params["rule_id"])
    return Reply(None, 204)
