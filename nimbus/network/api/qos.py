"""/v2.0/qos: QoS policies, their rules of each type, and the rule types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import qos as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
POLICIES = "/v2.0/qos/policies"


@router.get(POLICIES, query=schemas.LIST_POLICIES)
def list_policies(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the QoS policies the caller sees: its project's and the shared ones."""
    req.enforce("get_policy")
    wanted = listing.read(req, "policy")
    page = req.svc.qos.list_policies(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "policy", "policies", page, wanted)


@router.post(POLICIES, status=201, body=schemas.CREATE_POLICY, faults=(409,))
def create_policy(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a QoS policy."""
    [attrs], _ = shape.created(req, "policy", "policies", schemas.POLICY)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    shape.enforce_attrs(req, "create_policy", attrs, target)
    return {"policy": req.svc.qos.create_policy(req.ctx, attrs)}


@router.get(POLICIES + "/{policy_id}", query=SHOW_QUERY, faults=(404,))
def show_policy(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a QoS policy with its rules."""
    item = req.svc.qos.get_policy(req.ctx, req.params["policy_id"])
    req.enforce("get_policy", item)
    return shape.show(req, "policy", item)


@router.put(POLICIES + "/{policy_id}", body=schemas.UPDATE_POLICY, faults=(404, 409))
def update_policy(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Rename, describe, share or make default a QoS policy."""
    attrs = shape.updated(req, "policy", schemas.POLICY)
    item = req.svc.qos.get_policy(req.ctx, req.params["policy_id"])
    shape.enforce_attrs(req, "update_policy", attrs, item)
    return shape.show(req, "policy", req.svc.qos.update_policy(req.ctx, item["id"], attrs))


@router.delete(POLICIES + "/{policy_id}", status=204, faults=(404, 409))
def delete_policy(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a QoS policy no port or network uses."""
    item = req.svc.qos.get_policy(req.ctx, req.params["policy_id"])
    req.enforce("delete_policy", item)
    req.svc.qos.delete_policy(req.ctx, item["id"])
    return Reply(None, 204)


def _rule_routes(kind: str, resource: str, collection: str) -> None:
    """The five routes of one rule type, under its policy."""
    base = f"{POLICIES}/{{policy_id}}/{collection}"
    spec = schemas.RULES[kind][2]

    def policy_of(req: ApiRequest[NetworkState], action: str) -> dict[str, Any]:
        policy = req.svc.qos.get_policy(req.ctx, req.params["policy_id"])
        req.enforce(f"{action}_policy_{resource}", policy)
        return policy

    def listed(req: ApiRequest[NetworkState]) -> dict[str, Any]:
        policy = policy_of(req, "get")
        rules = req.svc.qos.list_rules(req.ctx, policy["id"], kind)
        fields = shape.fields_of(req)
        return {collection: [shape.select_fields(r, fields) for r in rules]}

    def created(req: ApiRequest[NetworkState]) -> dict[str, Any]:
        [attrs], _ = shape.created(req, resource, collection, spec)
        policy = policy_of(req, "create")
        return {resource: req.svc.qos.create_rule(req.ctx, policy["id"], kind, attrs)}

    def shown(req: ApiRequest[NetworkState]) -> dict[str, Any]:
        policy = policy_of(req, "get")
        rule = req.svc.qos.get_rule(req.ctx, policy["id"], kind, req.params["rule_id"])
        return {resource: shape.select_fields(rule, shape.fields_of(req))}

    def updated(req: ApiRequest[NetworkState]) -> dict[str, Any]:
        attrs = shape.updated(req, resource, spec)
        policy = policy_of(req, "update")
        return {resource: req.svc.qos.update_rule(req.ctx, policy["id"], kind,
                                                  req.params["rule_id"], attrs)}

    def deleted(req: ApiRequest[NetworkState]) -> Reply:
        policy = policy_of(req, "delete")
        req.svc.qos.delete_rule(req.ctx, policy["id"], kind, req.params["rule_id"])
        return Reply(None, 204)

    words = kind.replace("_", " ")
    routes: list[tuple[Callable[..., Any], str]] = [
        (router.get(base, faults=(404,)), f"List the {words} rules of a QoS policy."),
        (router.post(base, status=201, body=schemas.CREATE_RULE[kind], faults=(404, 409)),
         f"Add a {words} rule to a QoS policy."),
        (router.get(base + "/{rule_id}", faults=(404,)), f"Show a {words} rule."),
        (router.put(base + "/{rule_id}", body=schemas.UPDATE_RULE[kind], faults=(404, 409)),
         f"Change a {words} rule."),
        (router.delete(base + "/{rule_id}", status=204, faults=(404,)),
         f"Remove a {words} rule."),
    ]
    for (register, doc), handler in zip(routes, (listed, created, shown, updated, deleted),
                                        strict=True):
        handler.__doc__ = doc
        handler.__name__ = f"{handler.__name__}_{kind}"
        register(handler)


for _kind, (_resource, _collection, _) in schemas.RULES.items():
    _rule_routes(_kind, _resource, _collection)


@router.get("/v2.0/qos/rule-types")
def list_rule_types(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The QoS rule types this cloud supports."""
    req.enforce("get_rule_type")
    return {"rule_types": req.svc.qos.rule_types()}


@router.get("/v2.0/qos/rule-types/{rule_type}", faults=(404,))
def show_rule_type(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """A rule type, with the parameters its driver takes."""
    req.enforce("get_rule_type")
    return {"rule_type": req.svc.qos.rule_type(req.params["rule_type"])}
