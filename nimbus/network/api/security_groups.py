"""/v2.0/security-groups and /v2.0/security-group-rules"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.api import common
from nimbus.network.schemas import resources

router = Router()


def _projects(req: ApiRequest) -> list[str]:
    return req.query.getlist("project_id") + req.query.getlist("tenant_id")


@router.get("/v2.0/security-groups")
def list_groups(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_security_group")
    items = req.svc.manager.list_security_groups(req.ctx, _projects(req))
    return common.listing(req, "security_group", "security_groups", items)


@router.post("/v2.0/security-groups", status=201)
def create_group(req: ApiRequest) -> Any:
    items, bulk = common.bodies(req, "security_group", "security_groups")
    parsed = [resources.parse(i, resources.SECURITY_GROUP, create=True) for i in items]
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        common.enforce_attrs(req, "create_security_group", attrs, target)
    created = [req.svc.manager.create_security_group(req.ctx, attrs) for attrs in parsed]
    return {"security_groups": created} if bulk else {"security_group": created[0]}


@router.get("/v2.0/security-groups/{group_id}")
def show_group(req: ApiRequest) -> dict[str, Any]:
    item = req.svc.manager.get_security_group(req.ctx, req.params["group_id"])
    req.enforce("get_security_group", item)
    return common.show(req, "security_group", item)


@router.put("/v2.0/security-groups/{group_id}")
def update_group(req: ApiRequest) -> dict[str, Any]:
    attrs = resources.parse(common.update_body(req, "security_group"),
                            resources.SECURITY_GROUP, create=False)
    item = req.svc.manager.get_security_group(req.ctx, req.params["group_id"])
    common.enforce_attrs(req, "update_security_group", attrs, item)
    item = req.svc.manager.update_security_group(req.ctx, item["id"], attrs)
    return common.show(req, "security_group", item)


@router.delete("/v2.0/security-groups/{group_id}", status=204)
def delete_group(req: ApiRequest) -> Reply:
    item = req.svc.manager.get_security_group(req.ctx, req.params["group_id"])
    req.enforce("delete_security_group", item)
    req.svc.manager.delete_security_group(req.ctx, item["id"])
    return Reply(None, 204)


@router.get("/v2.0/security-group-rules")
def list_rules(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_security_group_rule")
    items = req.svc.manager.list_rules(req.ctx)
    return common.listing(req, "security_group_rule", "security_group_rules", items)


@router.post("/v2.0/security-group-rules", status=201)
def create_rule(req: ApiRequest) -> Any:
    items, bulk = common.bodies(req, "security_group_rule", "security_group_rules")
    parsed = [resources.parse(i, resources.SECURITY_GROUP_RULE, create=True) for i in items]
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        common.enforce_attrs(req, "create_security_group_rule", attrs, target)
    created = []
    try:
        for attrs in parsed:
            created.append(req.svc.manager.create_rule(req.ctx, attrs))
    except Exception:
        for done in created:
            req.svc.manager.delete_rule(req.ctx, done["id"])
        raise
    return {"security_group_rules": created} if bulk else {"security_group_rule": created[0]}


@router.get("/v2.0/security-group-rules/{rule_id}")
def show_rule(req: ApiRequest) -> dict[str, Any]:
    item = req.svc.manager.get_rule(req.ctx, req.params["rule_id"])
    req.enforce("get_security_group_rule", item)
    return common.show(req, "security_group_rule", item)


@router.delete("/v2.0/security-group-rules/{rule_id}", status=204)
def delete_rule(req: ApiRequest) -> Reply:
    item = req.svc.manager.get_rule(req.ctx, req.params["rule_id"])
    req.enforce("delete_security_group_rule", item)
    req.svc.manager.delete_rule(req.ctx, item["id"])
    return Reply(None, 204)
