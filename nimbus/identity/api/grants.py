"""Role grants: users and groups on projects, domains and the system, and OS-INHERIT grants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest, Forbidden, NotFound
from nimbus.identity.api.common import base
from nimbus.identity.constants import GLOBAL, SYSTEM
from nimbus.identity.manager.assignment import Grant, grant_type
from nimbus.identity.schemas import views
from nimbus.identity.state import IdentityState

router = Router()


@dataclass
class _Request:
    """A grant request resolved: what was found, and the target the policy sees."""

    grant: Grant
    target: dict[str, Any] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)
    role_domain: str | None = None
    scope_domain: str | None = None


def _resolve(req: ApiRequest[IdentityState], target: str, actor: str, inherited: bool) -> _Request:
    """Look everything up without failing yet: policy is enforced before a 404 is given."""
    st = req.svc
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


def _checked(req: ApiRequest[IdentityState], action: str, target: str, actor: str,
             inherited: bool) -> _Request:
    r = _resolve(req, target, actor, inherited)
    req.enforce(action, r.target)
    if r.missing:
        kind, id_ = r.missing[0]
        raise NotFound(resource=kind, id=id_)
    return r


def _put(req: ApiRequest[IdentityState], target: str, actor: str, inherited: bool) -> None:
    r = _checked(req, "identity:create_grant", target, actor, inherited)
    if r.role_domain and target == "system":
        raise BadRequest(f"Role {r.grant.role_id} is domain-specific and cannot be granted on "
                         f"the system.")
    if r.role_domain and r.role_domain != r.scope_domain:
        raise Forbidden(f"{target.capitalize()} {r.grant.target_id} must be in the same domain "
                        f"as the role {r.grant.role_id} being assigned.")
    req.svc.assignment.grant(r.grant)
    req.svc.on_revocation()


def _check(req: ApiRequest[IdentityState], target: str, actor: str, inherited: bool) -> None:
    r = _checked(req, "identity:check_grant", target, actor, inherited)
    if not req.svc.assignment.check(r.grant):
        raise NotFound(f"Could not find role assignment with role: {r.grant.role_id}, "
                       f"{actor}: {r.grant.actor_id}, {target}: {r.grant.target_id}.")


def _delete(req: ApiRequest[IdentityState], target: str, actor: str, inherited: bool) -> None:
    r = _checked(req, "identity:revoke_grant", target, actor, inherited)
    req.svc.assignment.revoke(r.grant)
    # Every validation recomputes the roles, so the lost role leaves tokens at once.
    req.svc.on_revocation()


def _list(req: ApiRequest[IdentityState], target: str, actor: str, inherited: bool) -> dict[str, Any]:
    r = _checked(req, "identity:list_grants", target, actor, inherited)
    a = req.svc.assignment
    grants = a.list_grants([r.grant.actor_id], r.grant.target_id, types=[r.grant.type])
    roles = [a.get_role(g.role_id) for g in grants if g.inherited == inherited]
    return views.collection(base(req), req.path.split("/v3/", 1)[-1], "roles",
                            [views.role(base(req), role) for role in roles])


def _register(prefix: str, target: str, actor: str, inherited: bool) -> None:
    tail = "/inherited_to_projects" if inherited else ""
    one = f"{prefix}/roles/{{role_id}}{tail}"

    def put(req: ApiRequest[IdentityState]) -> None:
        _put(req, target, actor, inherited)

    def check(req: ApiRequest[IdentityState]) -> None:
        _check(req, target, actor, inherited)

    def delete(req: ApiRequest[IdentityState]) -> None:
        _delete(req, target, actor, inherited)

    def listing(req: ApiRequest[IdentityState]) -> dict[str, Any]:
        return _list(req, target, actor, inherited)

    # Each path has its own handlers: name and describe them for the OpenAPI operations.
    where = f"the {target}" + ("'s projects (inherited)" if inherited else "")
    kind = f"{'inherited_' if inherited else ''}{target}_{actor}"
    described: list[tuple[Any, str, str]] = [
        (put, f"grant_{kind}_role", f"Grant a role to a {actor} on {where}."),
        (check, f"check_{kind}_role", f"Check a {actor}'s role on {where}."),
        (delete, f"revoke_{kind}_role", f"Revoke a {actor}'s role on {where}."),
        (listing, f"list_{kind}_roles", f"List a {actor}'s roles on {where}."),
    ]
    for handler, name, doc in described:
        handler.__name__ = handler.__qualname__ = name
        handler.__doc__ = doc

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
