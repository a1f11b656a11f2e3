"""``/v3/roles``, implied roles, grants and ``/v3/role_assignments``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, body, state
from nimbus.identity.managers.assignment import SYSTEM, Grant, grant_type
from nimbus.identity.schemas import requests, views

router = Router()


@router.post("/v3/roles", status=201)
def create_role(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_role")
    data = body(req, "role", requests.ROLE_CREATE)
    r = state(req).assignment.create_role(data["name"], data.get("domain_id"),
                                          data.get("description"), options=data.get("options"))
    return {"role": views.role(base(req), r)}


@router.get("/v3/roles")
def list_roles(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_roles")
    rows = state(req).assignment.list_roles(req.query.get("name"), req.query.get("domain_id"))
    return views.collection(base(req), "roles", "roles", [views.role(base(req), r) for r in rows])


@router.get("/v3/roles/{role_id}")
def get_role(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_role")
    return {"role": views.role(base(req), state(req).assignment.get_role(req.params["role_id"]))}


@router.patch("/v3/roles/{role_id}")
def update_role(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_role")
    data = body(req, "role", {"type": "object"})
    r = state(req).assignment.update_role(req.params["role_id"], data)
    return {"role": views.role(base(req), r)}


@router.delete("/v3/roles/{role_id}", status=204)
def delete_role(req: ApiRequest) -> None:
    req.enforce("identity:delete_role")
    state(req).assignment.delete_role(req.params["role_id"])
    state(req).tokens.revoke(role_id=req.params["role_id"])


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


@router.get("/v3/roles/{prior}/implies/{implied}")
def get_implied(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_implied_role")
    state(req).assignment.get_implied(req.params["prior"], req.params["implied"])
    out = _implies(req, req.params["prior"], [req.params["implied"]])
    return {"role_inference": {"prior_role": out["prior_role"], "implies": out["implies"][0]}}


@router.head("/v3/roles/{prior}/implies/{implied}", status=204)
def check_implied(req: ApiRequest) -> None:
    req.enforce("identity:check_implied_role")
    state(req).assignment.get_implied(req.params["prior"], req.params["implied"])


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


# -- grants -----------------------------------------------------------------------------------
def _grant(req: ApiRequest, target: str, actor: str, inherited: bool = False) -> Grant:
    st = state(req)
    p = req.params
    if target == "project":
        st.resource.get_project(p["target_id"])
        target_id = p["target_id"]
    elif target == "domain":
        st.resource.get_domain(p["target_id"])
        target_id = p["target_id"]
    else:
        target_id = SYSTEM
    if actor == "user":
        st.users.get_user(p["actor_id"])
    else:
        st.users.get_group(p["actor_id"])
    role_id = p.get("role_id", "")
    if role_id:
        st.assignment.get_role(role_id)
    return Grant(grant_type(actor, target), p["actor_id"], target_id, role_id, inherited)


def _register_grants(prefix: str, target: str, actor: str, inherited: bool) -> None:
    one = f"{prefix}/roles/{{role_id}}" + ("/inherited_to_projects" if inherited else "")
    many = f"{prefix}/roles" + ("/inherited_to_projects" if inherited else "")

    def put(req: ApiRequest) -> None:
        req.enforce("identity:create_grant")
        state(req).assignment.grant(_grant(req, target, actor, inherited))
        state(req).on_revocation()

    def check(req: ApiRequest) -> None:
        req.enforce("identity:check_grant")
        g = _grant(req, target, actor, inherited)
        if not state(req).assignment.check(g):
            raise NotFound(f"Could not find role assignment with role: {g.role_id}.")

    def delete(req: ApiRequest) -> None:
        req.enforce("identity:revoke_grant")
        g = _grant(req, target, actor, inherited)
        state(req).assignment.revoke(g)
        state(req).tokens.revoke(user_id=g.actor_id if actor == "user" else None,
                                 project_id=g.target_id if target == "project" else None,
                                 role_id=None)

    def listing(req: ApiRequest) -> dict[str, Any]:
        req.enforce("identity:list_grants")
        g = _grant(req, target, actor, inherited)
        grants = state(req).assignment.list_grants([g.actor_id], g.target_id, types=[g.type])
        roles = [state(req).assignment.get_role(x.role_id) for x in grants
                 if x.inherited == inherited]
        return views.collection(base(req), req.path.split("/v3/", 1)[-1], "roles",
                                [views.role(base(req), r) for r in roles])

    router.route(one, ["PUT"], status=204)(put)
    router.route(one, ["HEAD", "GET"], status=204)(check)
    router.route(one, ["DELETE"], status=204)(delete)
    router.route(many, ["GET"])(listing)


for _target, _tpath in (("project", "/v3/projects/{target_id}"),
                        ("domain", "/v3/domains/{target_id}")):
    for _actor in ("user", "group"):
        _register_grants(f"{_tpath}/{_actor}s/{{actor_id}}", _target, _actor, False)
        _register_grants(f"/v3/OS-INHERIT{_tpath[3:]}/{_actor}s/{{actor_id}}", _target, _actor,
                         True)
for _actor in ("user", "group"):
    _register_grants(f"/v3/system/{_actor}s/{{actor_id}}", "system", _actor, False)
