"""``/os-security-groups`` and ``/os-security-group-rules``: Nova's deprecated proxy to the
network service's security groups (up to 2.35), and ``/servers/{id}/os-security-groups``."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.manager.network_proxy import SecurityGroupProxy
from nimbus.compute.schemas import network_proxy as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()
PROXY = {"min_version": "2.1", "max_version": schemas.MAX_PROXY_VERSION}
RULE = "os_compute_api:os-security-groups:{}"


def proxy(req: ApiRequest[ComputeState]) -> SecurityGroupProxy:
    return SecurityGroupProxy(req.svc.clients.network.acting_for(req.ctx.auth_token,
                                                                 req.ctx.project_id))


def _one(sgs: SecurityGroupProxy, group: dict[str, Any]) -> dict[str, Any]:
    return {"security_group": sgs.shaped([group])[0]}


@router.get(f"{V}/os-security-groups", query=schemas.GROUPS_QUERY, **PROXY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the project's security groups (every project's for an admin with all_tenants)."""
    req.enforce(RULE.format("get"))
    sgs = proxy(req)
    everyone = req.ctx.is_admin and "all_tenants" in req.args
    groups = sgs.list_groups(req.ctx.project_id, everyone)
    offset = req.args.get("offset") or 0
    most = req.svc.settings.max_limit
    limit = min(most, req.args.get("limit") or most)
    return {"security_groups": sgs.shaped(groups[offset:offset + limit])}


@router.post(f"{V}/os-security-groups", body=schemas.GROUP, faults=(403,), **PROXY)
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Create a security group in the caller's project."""
    req.enforce(RULE.format("create"))
    body = req.json["security_group"]
    sgs = proxy(req)
    return _one(sgs, sgs.create_group(body["name"], body["description"]))


@router.get(f"{V}/os-security-groups/{{group_id}}", **PROXY)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a security group and its ingress rules."""
    req.enforce(RULE.format("show"))
    sgs = proxy(req)
    return _one(sgs, sgs.checked_group(req.params["group_id"]))


@router.put(f"{V}/os-security-groups/{{group_id}}", body=schemas.GROUP, **PROXY)
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Rename a security group or change its description."""
    req.enforce(RULE.format("update"))
    body = req.json["security_group"]
    sgs = proxy(req)
    return _one(sgs, sgs.update_group(req.params["group_id"], body["name"],
                                      body["description"]))


@router.delete(f"{V}/os-security-groups/{{group_id}}", status=202, **PROXY)
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Delete a security group no port uses."""
    req.enforce(RULE.format("delete"))
    proxy(req).delete_group(req.params["group_id"])
    return Reply(None, 202)


@router.post(f"{V}/os-security-group-rules", body=schemas.RULE, faults=(403,), **PROXY)
def create_rule(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Add an ingress rule to a security group."""
    req.enforce(RULE.format("rule:create"))
    rule, source = proxy(req).create_rule(req.json["security_group_rule"])
    return {"security_group_rule": schemas.rule_view(rule, source)}


@router.delete(f"{V}/os-security-group-rules/{{rule_id}}", status=202, faults=(409,),
               **PROXY)
def delete_rule(req: ApiRequest[ComputeState]) -> Reply:
    """Delete a security group rule."""
    req.enforce(RULE.format("rule:delete"))
    proxy(req).delete_rule(req.params["rule_id"])
    return Reply(None, 202)


@router.get(f"{V}/servers/{{server_id}}/os-security-groups")
def server_index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the security groups on a server's ports."""
    row = server_for(req, RULE.format("list"))
    sgs = proxy(req)
    return {"security_groups": sgs.shaped(sgs.server_groups(row.uuid))}
