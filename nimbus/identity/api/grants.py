"""Role grants: users and groups on projects, domains and the system, and OS-INHERIT grants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, Forbidden, NotFound
from nimbus.identity.api.common import base, state
from nimbus.identity.managers.assignment import GLOBAL, SYSTEM, Grant, grant_type
from nimbus.identity.schemas import views

router = Router()


@dataclass
class _Request:
    """A grant request resolved: what was found, and the target the policy sees."""

    grant: Grant
    target: dict[str, Any] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)
    role_domain: str | None = None
    scope_domain: str | None = None


def _resolve(req: ApiRequest, target: str, actor: str, inherited: bool) -> _Request:
    """Look everything up without failing yet: policy is enforced before a 404 is given."""
    st = state(req)
    p = req.params
    role_id = p.get("role_id", "")
    target_id = p["target_id"] if target != "system" else SYSTEM
    out = _Request(Grant(grant_type(actor, target), p["actor_id"], target_id, role_id, inherited))
    t = out.target
    try:
        if target == "project":
            t["target.project.id"] = target_id
            project = st.resource.get_project(target_id)
            t["target.project.domain_id"] = out.scope_domain = project.domain_id
        elif target == "domain":
            t["target.domain.id"] = target_id
            out.scope_domain = st.resource.get_domain(target_id).id
    except NotFound:
        out.missing.append((target, target_id))
    try:
        t[f"target.{actor}.id"] = p["actor_id"]
        who: Any = (st.users.get_user(p["actor_id"]) if actor == "user"
                    else st.users.get_group(p["actor_id"]))
        t[f"target.{actor}.domain_id"] = who.domain_id
    except NotFound:
        out.missing.append((actor, p["actor_id"]))
    if role_id:
        try:
            role = st.assignment.get_role(role_id)
            t["target.role.id"] = role.id
            t["target.role.name"] = role.name
            out.role_domain = None if role.domain_id == GLOBAL else role.domain_id
            t["target.role.domain_id"] = out.role_domain
            t["target.role.global"] = "false" if out.role_domain else "true"
        except NotFound:
            out.missing.append(("role", role_id))
    return out


def _checked(req: ApiRequest, action: str, target: str, actor: str, inherited: bool) -> _Request:
    r = _resolve(req, target, actor, inherited)
    req.enforce(action, r.target)
    if r.missing:
        kind, id_ = r.missing[0]
        raise NotFound(resource=kind, id=id_)
    return r


def _put(req: ApiRequest, target: str, actor: str, inherited: bool) -> None:
    r = _checked(req, "identity:create_grant", target, actor, inherited)
    if r.role_domain and target == "system":
        raise BadRequest(f"Role {r.grant.role_id} is domain-specific and cannot be granted on "
                         f"the system.")
    if r.role_domain and r.role_domain != r.scope_domain:
        raise Forbidden(f"{target.capitalize()} {r.grant.target_id} must be in the same domain "
                        f"as the role {r.grant.role_id} being assigned.")
    state(req).assignment.grant(r.grant)
    state(req).on_revocation()


def _check(req: ApiRequest, target: str, actor: str, inherited: bool) -> None:
    r = _checked(req, "identity:check_grant", target, actor, inherited)
    if not state(req).assignment.check(r.grant):
        raise NotFound(f"Could not find role assignment with role: {r.grant.role_id}, "
                       f"{actor}: {r.grant.actor_id}, {target}: {r.grant.target_id}.")


def _delete(req: ApiRequest, target: str, actor: str, inherited: bool) -> None:
    r = _checked(req, "identity:revoke_grant", target, actor, inherited)
    state(req).assignment.revoke(r.grant)
    # Every validation recomputes the roles, so the lost role leaves tokens at once.
    state(req).on_revocation()


def _list(req: ApiRequest, target: str, actor: str, inherited: bool) -> dict[str, Any]:
    r = _checked(req, "identity:list_grants", target, actor, inherited)
    a = state(req).assignment
    grants = a.list_grants([r.grant.actor_id], r.grant.target_id, types=[r.grant.type])
    roles = [a.get_role(g.role_id) for g in grants if g.inherited == inherited]
    return views.collection(base(req), req.path.split("/v3/", 1)[-1], "roles",
                            [views.role(base(req), role) for role in roles])


def _register(prefix: str, target: str, actor: str, inherited: bool) -> None:
    tail = "/inherited_to_projects" if inherited else ""
    one = f"{prefix}/roles/{{role_id}}{tail}"

    def put(req: ApiRequest) -> None:
        _put(req, target, actor, inherited)

    def check(req: ApiRequest) -> None:
        _check(req, target, actor, inherited)

    def delete(req: ApiRequest) -> None:
        _delete(req, target, actor, inherited)

    def listing(req: ApiRequest) -> dict[str, Any]:
        return _list(req, target, actor, inherited)

    router.route(one, ["PUT"], status=204)(put)
    router.route(one, ["HEAD", "GET"], status=204)(check)
    router.route(one, ["DELETE"], status=204)(delete)
    # Keystone lists inherited grants on domains only; a project's are seen in role_assignments.
    if not inherited or target == "domain":
        router.route(f"{prefix}/roles{tail}", ["GET"])(listing)


for _target, _tpath in (("project", "/v3/projects/{target_id}"),
                        ("domain", "/v3/domains/{target_id}")):
    for _actor in ("user", "group"):
        _register(f"{_tpath}/{_actor}s/{{actor_id}}", _target, _actor, False)
        _register(f"/v3/OS-INHERIT{_tpath[3:]}/{_actor}s/{{actor_id}}", _target, _actor, True)
for _actor in ("user", "group"):
    _register(f"/v3/system/{_actor}s/{{actor_id}}", "system", _actor, False)
