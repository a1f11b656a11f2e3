"""``/v3/OS-TRUST/trusts``: delegation of roles from a trustor to a trustee."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.core.errors import Forbidden, NotFound
from nimbus.identity.api.common import base, parse_time
from nimbus.identity.manager.trusts import TrustRequest
from nimbus.identity.schemas import queries, views
from nimbus.identity.schemas import trusts as schema
from nimbus.identity.schemas.rows import Trust
from nimbus.identity.state import IdentityState

router = Router()


def _check_unrestricted(req: ApiRequest[IdentityState]) -> None:
    """A restricted application credential may not manage trusts (as Keystone)."""
    if req.ctx.app_cred_id and not req.svc.app_creds.get(req.ctx.app_cred_id).unrestricted:
        raise Forbidden("Using method 'application_credential' is not allowed for managing "
                        "trusts.")


def _target(t: Trust) -> dict[str, Any]:
    return {"target.trust.trustor_user_id": t.trustor_user_id,
            "target.trust.trustee_user_id": t.trustee_user_id}


def _roles(req: ApiRequest[IdentityState], t: Trust) -> list[dict[str, Any]]:
    out = []
    for role_id in t.roles:
        try:
            out.append(views.role_ref(base(req), req.svc.assignment.get_role(role_id)))
        except NotFound:
            continue
    return out


@router.post("/v3/OS-TRUST/trusts", status=201, body=schema.TRUST_CREATE_BODY, faults=(404,))
def create_trust(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Delegate some of the caller's roles on a project to a trustee."""
    data = req.json["trust"]
    req.enforce("identity:create_trust", {"trust.trustor_user_id": data["trustor_user_id"]})
    _check_unrestricted(req)
    st = req.svc
    if data.get("project_id") and not data.get("roles"):
        raise Forbidden("At least one role should be specified.")
    if req.ctx.user_id != data["trustor_user_id"]:
        raise Forbidden("The authenticated user should match the trustor.")
    role_ids = []
    for ref in data.get("roles") or []:
        role = (st.assignment.get_role(ref["id"]) if ref.get("id")
                else st.assignment.get_role_by_name(ref["name"]))
        role_ids.append(role.id)
    parent = st.trusts.get(req.ctx.trust_id) if req.ctx.trust_id else None
    t = st.trusts.create(TrustRequest(
        trustor_user_id=data["trustor_user_id"], trustee_user_id=data["trustee_user_id"],
        project_id=data.get("project_id") or None, role_ids=role_ids,
        impersonation=data["impersonation"],
        expires_at=parse_time("expires_at", data.get("expires_at")),
        remaining_uses=data.get("remaining_uses"),
        allow_redelegation=bool(data.get("allow_redelegation")),
        redelegation_count=data.get("redelegation_count")), parent)
    return {"trust": schema.trust(base(req), t, _roles(req, t))}


@router.get("/v3/OS-TRUST/trusts", query=queries.text("trustor_user_id", "trustee_user_id"))
def list_trusts(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List trusts (of a trustor or a trustee)."""
    trustor = req.query.get("trustor_user_id")
    trustee = req.query.get("trustee_user_id")
    if trustor:
        req.enforce("identity:list_trusts_for_trustor",
                    {"target.trust.trustor_user_id": trustor})
    elif trustee:
        req.enforce("identity:list_trusts_for_trustee",
                    {"target.trust.trustee_user_id": trustee})
    else:
        req.enforce("identity:list_trusts")
    rows = req.svc.trusts.list_trusts(trustor, trustee)
    return views.collection(base(req), "OS-TRUST/trusts", "trusts",
                            [schema.trust(base(req), t, None) for t in rows])


def _visible(req: ApiRequest[IdentityState], action: str) -> Trust:
    # A missing trust is a 404 before policy is consulted (Keystone's contract).
    t = req.svc.trusts.get(req.params["trust_id"])
    req.enforce(action, _target(t))
    return t


@router.get("/v3/OS-TRUST/trusts/{trust_id}")
def show_trust(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a trust."""
    t = _visible(req, "identity:get_trust")
    return {"trust": schema.trust(base(req), t, _roles(req, t))}


@router.delete("/v3/OS-TRUST/trusts/{trust_id}", status=204)
def delete_trust(req: ApiRequest[IdentityState]) -> None:
    """Delete a trust and those redelegated from it."""
    _visible(req, "identity:delete_trust")
    _check_unrestricted(req)
    st = req.svc
    st.trusts.delete(req.params["trust_id"])
    # Tokens carrying the trust are refused from now on: validation looks the trust up.
    st.on_revocation()


@router.get("/v3/OS-TRUST/trusts/{trust_id}/roles")
def list_trust_roles(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List a trust's roles."""
    t = _visible(req, "identity:list_roles_for_trust")
    return views.collection(base(req), f"OS-TRUST/trusts/{t.id}/roles", "roles", _roles(req, t))


def _trust_role(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    t = _visible(req, "identity:get_role_for_trust")
    role_id = req.params["role_id"]
    for role in _roles(req, t):
        if role["id"] == role_id:
            return role
    raise NotFound(resource="role", id=role_id)


@router.get("/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}")
def show_trust_role(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show one of a trust's roles."""
    return {"role": _trust_role(req)}


@router.head("/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}")
def check_trust_role(req: ApiRequest[IdentityState]) -> Reply:
    """Check that a trust delegates a role."""
    _trust_role(req)
    return Reply(None, status=200)
