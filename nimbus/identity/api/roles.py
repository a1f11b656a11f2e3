"""``/v3/roles`` (global and domain-specific) and implied roles."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.schemas.rows import Role
from nimbus.identity.state import IdentityState

router = Router()


def _role_action(action: str, domain_id: str | None) -> str:
    """Domain-specific roles have their own rule names in Keystone (``create_domain_role``)."""
    return f"identity:{action}_domain_role" if domain_id else f"identity:{action}_role"


@router.post("/v3/roles", status=201, body=requests.ROLE_CREATE_BODY, faults=(404, 409))
def create_role(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a role (global, or of one domain)."""
    data = req.json["role"]
    domain_id = data.get("domain_id")
    req.enforce(_role_action("create", domain_id), {"target.role.domain_id": domain_id})
    st = req.svc
    if domain_id:
        st.resource.get_domain(domain_id)
    r = st.assignment.create_role(data["name"], domain_id, data.get("description"),
                                  options=data.get("options"))
    return {"role": views.role(base(req), r)}


@router.get("/v3/roles", query=queries.text("name", "domain_id"))
def list_roles(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the global roles, or a domain's."""
    domain_id = req.query.get("domain_id")
    if domain_id:
        req.enforce("identity:list_domain_roles", {"target.role.domain_id": domain_id})
    else:
        req.enforce("identity:list_roles")
    rows = req.svc.assignment.list_roles(req.query.get("name"), domain_id)
    return views.collection(base(req), "roles", "roles", [views.role(base(req), r) for r in rows])


def _load_role(req: ApiRequest[IdentityState], action: str) -> Role:
    try:
        role = req.svc.assignment.get_role(req.params["role_id"])
    except NotFound:
        req.enforce(_role_action(action, None))
        raise
    domain_id = views.role(base(req), role)["domain_id"]
    req.enforce(_role_action(action, domain_id), {"target.role.id": role.id,
                                                  "target.role.domain_id": domain_id})
    return role


@router.get("/v3/roles/{role_id}")
def get_role(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a role."""
    return {"role": views.role(base(req), _load_role(req, "get"))}


@router.patch("/v3/roles/{role_id}", body=requests.ROLE_UPDATE_BODY, faults=(409,))
def update_role(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a role (an immutable one refuses)."""
    role = _load_role(req, "update")
    r = req.svc.assignment.update_role(role.id, req.json["role"])
    return {"role": views.role(base(req), r)}


@router.delete("/v3/roles/{role_id}", status=204)
def delete_role(req: ApiRequest[IdentityState]) -> None:
    """Delete a role and every grant of it."""
    role = _load_role(req, "delete")
    req.svc.assignment.delete_role(role.id)
    # Tokens carry no roles of their own: every validation recomputes them, so dropping the
    # cached validations is enough (a role-only revocation event would revoke every token).
    req.svc.on_revocation()


# -- implied roles ----------------------------------------------------------------------------
def _implies(req: ApiRequest[IdentityState], prior_id: str, implied_ids: list[str]) -> dict[str, Any]:
    a = req.svc.assignment
    prior = a.get_role(prior_id)
    return {"prior_role": views.role_ref(base(req), prior),
            "implies": [views.role_ref(base(req), a.get_role(i)) for i in implied_ids]}


@router.put("/v3/roles/{prior}/implies/{implied}", status=201)
def create_implied(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Make one role imply another."""
    req.enforce("identity:create_implied_role")
    req.svc.assignment.create_implied(req.params["prior"], req.params["implied"])
    req.svc.on_revocation()
    out = _implies(req, req.params["prior"], [req.params["implied"]])
    return {"role_inference": {"prior_role": out["prior_role"], "implies": out["implies"][0]}}


@router.head("/v3/roles/{prior}/implies/{implied}", status=204)
def check_implied(req: ApiRequest[IdentityState]) -> None:
    """Check that one role implies another."""
    req.enforce("identity:check_implied_role")
    req.svc.assignment.get_implied(req.params["prior"], req.params["implied"])


@router.get("/v3/roles/{prior}/implies/{implied}")
def get_implied(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show one role implication."""
    req.enforce("identity:get_implied_role")
    req.svc.assignment.get_implied(req.params["prior"], req.params["implied"])
    out = _implies(req, req.params["prior"], [req.params["implied"]])
    return {"role_inference": {"prior_role": out["prior_role"], "implies": out["implies"][0]}}


@router.delete("/v3/roles/{prior}/implies/{implied}", status=204)
def delete_implied(req: ApiRequest[IdentityState]) -> None:
    """Stop one role implying another."""
    req.enforce("identity:delete_implied_role")
    req.svc.assignment.delete_implied(req.params["prior"], req.params["implied"])
    req.svc.on_revocation()


@router.get("/v3/roles/{prior}/implies")
def list_implied(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List what a role implies."""
    req.enforce("identity:list_implied_roles")
    rules = req.svc.assignment.list_implied(req.params["prior"])
    return {"role_inference": _implies(req, req.params["prior"], [i for _, i in rules])}


@router.get("/v3/role_inferences")
def list_inferences(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List every role implication."""
    req.enforce("identity:list_role_inference_rules")
    rules: dict[str, list[str]] = {}
    for prior, implied in req.svc.assignment.list_implied():
        rules.setdefault(prior, []).append(implied)
    return {"role_inferences": [_implies(req, p, i) for p, i in rules.items()],
            "links": {"self": f"{base(req)}/v3/role_inferences", "previous": None, "next": None}}
