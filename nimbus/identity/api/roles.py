"""``/v3/roles`` (global and domain-specific) and implied roles."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, body, state
from nimbus.identity.schemas import requests, views

router = Router()


def _role_action(action: str, domain_id: str | None) -> str:
    """Domain-specific roles have their own rule names in Keystone (``create_domain_role``)."""
    return f"identity:{action}_domain_role" if domain_id else f"identity:{action}_role"


@router.post("/v3/roles", status=201)
def create_role(req: ApiRequest) -> dict[str, Any]:
    data = body(req, "role", requests.ROLE_CREATE)
    domain_id = data.get("domain_id")
    req.enforce(_role_action("create", domain_id), {"target.role.domain_id": domain_id})
    st = state(req)
    if domain_id:
        st.resource.get_domain(domain_id)
    r = st.assignment.create_role(data["name"], domain_id, data.get("description"),
                                  options=data.get("options"))
    return {"role": views.role(base(req), r)}


@router.get("/v3/roles")
def list_roles(req: ApiRequest) -> dict[str, Any]:
    domain_id = req.query.get("domain_id")
    if domain_id:
        req.enforce("identity:list_domain_roles", {"target.role.domain_id": domain_id})
    else:
        req.enforce("identity:list_roles")
    rows = state(req).assignment.list_roles(req.query.get("name"), domain_id)
    return views.collection(base(req), "roles", "roles", [views.role(base(req), r) for r in rows])


def _load_role(req: ApiRequest, action: str) -> Any:
    try:
        role = state(req).assignment.get_role(req.params["role_id"])
    except NotFound:
        req.enforce(_role_action(action, None))
        raise
    domain_id = views.role(base(req), role)["domain_id"]
    req.enforce(_role_action(action, domain_id), {"target.role.id": role.id,
                                                  "target.role.domain_id": domain_id})
    return role


@router.get("/v3/roles/{role_id}")
def get_role(req: ApiRequest) -> dict[str, Any]:
    return {"role": views.role(base(req), _load_role(req, "get"))}


@router.patch("/v3/roles/{role_id}")
def update_role(req: ApiRequest) -> dict[str, Any]:
    role = _load_role(req, "update")
    data = body(req, "role", requests.ROLE_UPDATE)
    r = state(req).assignment.update_role(role.id, data)
    return {"role": views.role(base(req), r)}


@router.delete("/v3/roles/{role_id}", status=204)
def delete_role(req: ApiRequest) -> None:
    role = _load_role(req, "delete")
    state(req).assignment.delete_role(role.id)
    # Tokens carry no roles of their own: every validation recomputes them, so dropping the
    # cached validations is enough (a role-only revocation event would revoke every token).
    state(req).on_revocation()


# -- implied roles ----------------------------------------------------------------------------
def _implies(req: ApiRequest, prior_id: str, implied_ids: list[str]) -> dict[str, Any]:
    a = state(req).assignment
    prior = a.get_role(prior_id)
    return {"prior_role": views.role_ref(base(req), prior),
            "implies": [views.role_ref(base(req), a.get_role(i)) for i in implied_ids]}


@router.put("/v3/roles/{prior}/implies/{implied}", status=201)
def create_implied(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_implied_role")
    state(req).assignment.create_implied(req.params["prior"], req.params["implied"])
    state(req).on_revocation()
    out = _implies(req, req.params["prior"], [req.params["implied"]])
    return {"role_inference": {"prior_role": out["prior_role"], "implies": out["implies"][0]}}


@router.head("/v3/roles/{prior}/implies/{implied}", status=204)
def check_implied(req: ApiRequest) -> None:
    req.enforce("identity:check_implied_role")
    state(req).assignment.get_implied(req.params["prior"], req.params["implied"])


@router.get("/v3/roles/{prior}/implies/{implied}")
def get_implied(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_implied_role")
    state(req).assignment.get_implied(req.params["prior"], req.params["implied"])
    out = _implies(req, req.params["prior"], [req.params["implied"]])
    return {"role_inference": {"prior_role": out["prior_role"], "implies": out["implies"][0]}}


@router.delete("/v3/roles/{prior}/implies/{implied}", status=204)
def delete_implied(req: ApiRequest) -> None:
    req.enforce("identity:delete_implied_role")
    state(req).assignment.delete_implied(req.params["prior"], req.params["implied"])
    state(req).on_revocation()


@router.get("/v3/roles/{prior}/implies")
def list_implied(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_implied_roles")
    rules = state(req).assignment.list_implied(req.params["prior"])
    return {"role_inference": _implies(req, req.params["prior"], [i for _, i in rules])}


@router.get("/v3/role_inferences")
def list_inferences(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_role_inference_rules")
    rules: dict[str, list[str]] = {}
    for prior, implied in state(req).assignment.list_implied():
        rules.setdefault(prior, []).append(implied)
    return {"role_inferences": [_implies(req, p, i) for p, i in rules.items()],
            "links": {"self": f"{base(req)}/v3/role_inferences", "previous": None, "next": None}}
