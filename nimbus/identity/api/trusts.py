"""``/v3/OS-TRUST/trusts``: delegation of roles from a trustor to a trustee."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, Forbidden, NotFound
from nimbus.identity.api.common import base, body, state
from nimbus.identity.db.models import Trust
from nimbus.identity.managers.trusts import TrustRequest
from nimbus.identity.schemas import trusts as schema
from nimbus.identity.schemas import views

router = Router()


def parse_time(field: str, value: Any) -> dt.datetime | None:
    """An ISO 8601 time as naive UTC; a 400 naming ``field`` when it is not one."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid input for field '{field}': '{value}' is not a valid "
                         f"date-time.") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def _check_unrestricted(req: ApiRequest) -> None:
    """A restricted application credential may not manage trusts (as Keystone)."""
    if req.ctx.app_cred_id and not state(req).app_creds.get(req.ctx.app_cred_id).unrestricted:
        raise Forbidden("Using method 'application_credential' is not allowed for managing "
                        "trusts.")


def _target(t: Trust) -> dict[str, Any]:
    return {"target.trust.trustor_user_id": t.trustor_user_id,
            "target.trust.trustee_user_id": t.trustee_user_id}


def _roles(req: ApiRequest, t: Trust) -> list[dict[str, Any]]:
    out = []
    for role_id in t.roles:
        try:
            out.append(views.role_ref(base(req), state(req).assignment.get_role(role_id)))
        except NotFound:
            continue
    return out


@router.post("/v3/OS-TRUST/trusts", status=201)
def create_trust(req: ApiRequest) -> dict[str, Any]:
    data = body(req, "trust", schema.TRUST_CREATE)
    req.enforce("identity:create_trust", {"trust.trustor_user_id": data["trustor_user_id"]})
    _check_unrestricted(req)
    st = state(req)
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


@router.get("/v3/OS-TRUST/trusts")
def list_trusts(req: ApiRequest) -> dict[str, Any]:
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
    rows = state(req).trusts.list_trusts(trustor, trustee)
    return views.collection(base(req), "OS-TRUST/trusts", "trusts",
                            [schema.trust(base(req), t, None) for t in rows])


def _visible(req: ApiRequest, action: str) -> Trust:
    # A missing trust is a 404 before policy is consulted (Keystone's contract).
    t = state(req).trusts.get(req.params["trust_id"])
    req.enforce(action, _target(t))
    return t


@router.get("/v3/OS-TRUST/trusts/{trust_id}")
def show_trust(req: ApiRequest) -> dict[str, Any]:
    t = _visible(req, "identity:get_trust")
    return {"trust": schema.trust(base(req), t, _roles(req, t))}


@router.delete("/v3/OS-TRUST/trusts/{trust_id}", status=204)
def delete_trust(req: ApiRequest) -> None:
    _visible(req, "identity:delete_trust")
    _check_unrestricted(req)
    st = state(req)
    st.trusts.delete(req.params["trust_id"])
    # Tokens carrying the trust are refused from now on: validation looks the trust up.
    st.on_revocation()


@router.get("/v3/OS-TRUST/trusts/{trust_id}/roles")
def list_trust_roles(req: ApiRequest) -> dict[str, Any]:
    t = _visible(req, "identity:list_roles_for_trust")
    return views.collection(base(req), f"OS-TRUST/trusts/{t.id}/roles", "roles", _roles(req, t))


def _trust_role(req: ApiRequest) -> dict[str, Any]:
    t = _visible(req, "identity:get_role_for_trust")
    role_id = req.params["role_id"]
    for role in _roles(req, t):
        if role["id"] == role_id:
            return role
    raise NotFound(resource="role", id=role_id)


@router.get("/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}")
def show_trust_role(req: ApiRequest) -> dict[str, Any]:
    return {"role": _trust_role(req)}


@router.head("/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}")
def check_trust_role(req: ApiRequest) -> Reply:
    _trust_role(req)
    return Reply(None, status=200)
