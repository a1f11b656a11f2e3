"""``GET /v3/role_assignments``, with the effective view (groups expanded, implied roles,
inheritance applied)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.identity.api.common import base, state
from nimbus.identity.managers.assignment import SYSTEM, Grant

router = Router()


def _entry(req: ApiRequest, g: Grant, names: bool, via_group: str | None = None) -> dict[str, Any]:
    st = state(req)
    b = base(req)
    entry: dict[str, Any] = {"role": {"id": g.role_id}, "links": {}}
    actor_key = "user" if g.is_user else "group"
    entry[actor_key] = {"id": g.actor_id}
    kind = g.target_kind
    if kind == "system":
        entry["scope"] = {"system": {"all": True}}
    else:
        entry["scope"] = {kind: {"id": g.target_id}}
    if g.inherited:
        entry["scope"]["OS-INHERIT:inherited_to"] = "projects"
    if kind == "system":
        entry["links"]["assignment"] = f"{b}/v3/system/{actor_key}s/{g.actor_id}/roles/{g.role_id}"
    else:
        entry["links"]["assignment"] = (f"{b}/v3/{kind}s/{g.target_id}/{actor_key}s/{g.actor_id}"
                                        f"/roles/{g.role_id}")
    if via_group:
        entry["links"]["membership"] = f"{b}/v3/groups/{via_group}/users/{g.actor_id}"
    if names:
        role = st.assignment.get_role(g.role_id)
        entry["role"]["name"] = role.name
        if g.is_user:
            u = st.users.get_user(g.actor_id)
            entry["user"].update(name=u.name, domain={"id": u.domain_id})
        else:
            grp = st.users.get_group(g.actor_id)
            entry["group"].update(name=grp.name, domain={"id": grp.domain_id})
        if kind == "project":
            p = st.resource.get_project(g.target_id)
            entry["scope"]["project"].update(name=p.name, domain={"id": p.domain_id})
        elif kind == "domain":
            d = st.resource.get_domain(g.target_id)
            entry["scope"]["domain"]["name"] = d.name
    return entry


@router.get("/v3/role_assignments")
def list_role_assignments(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_role_assignments")
    st = state(req)
    q = req.query
    effective = "effective" in q and q.get("effective") not in ("0", "false")
    names = "include_names" in q and q.get("include_names") not in ("0", "false")
    grants = st.assignment.list_grants()
    out: list[tuple[Grant, str | None]] = []
    for g in grants:
        if effective and not g.is_user:
            for user in st.users.list_users({"group_id": g.actor_id}):
                out.append((Grant("User" + g.type[5:], user.id, g.target_id, g.role_id,
                                  g.inherited), g.actor_id))
        else:
            out.append((g, None))
    if effective:
        expanded: list[tuple[Grant, str | None]] = []
        for g, via in out:
            if g.inherited:
                for project in st.resource.list_projects():
                    ancestors = {project.domain_id, project.parent_id}
                    if g.target_id in ancestors:
                        expanded.append((Grant("UserProject", g.actor_id, project.id, g.role_id),
                                         via))
                continue
            expanded.append((g, via))
            for implied in st.assignment.expand({g.role_id}) - {g.role_id}:
                expanded.append((Grant(g.type, g.actor_id, g.target_id, implied), via))
        out = expanded
    result = []
    for g, via in out:
        if q.get("user.id") and not (g.is_user and g.actor_id == q["user.id"]):
            continue
        if q.get("group.id") and not (not g.is_user and g.actor_id == q["group.id"]):
            continue
        if q.get("role.id") and g.role_id != q["role.id"]:
            continue
        if q.get("scope.project.id") and not (g.target_kind == "project"
                                               and g.target_id == q["scope.project.id"]):
            continue
        if q.get("scope.domain.id") and not (g.target_kind == "domain"
                                              and g.target_id == q["scope.domain.id"]):
            continue
        if "scope.system" in q and g.target_id != SYSTEM:
            continue
        if q.get("scope.OS-INHERIT:inherited_to") and not g.inherited:
            continue
        result.append(_entry(req, g, names, via))
    return {"role_assignments": result,
            "links": {"self": f"{base(req)}/v3/role_assignments", "previous": None,
                      "next": None}}
