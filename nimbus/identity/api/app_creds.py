"""``/v3/users/{user_id}/application_credentials``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest, Forbidden
from nimbus.identity.api.common import base
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.state import IdentityState

router = Router()


def _parse_expiry(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid input for field 'expires_at': '{value}' is not a "
                         f"date-time.") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def _names(req: ApiRequest[IdentityState]) -> dict[str, str]:
    return {r.id: r.name for r in req.svc.assignment.list_roles()}


@router.post("/v3/users/{user_id}/application_credentials", status=201,
             body=requests.APP_CRED_BODY, faults=(409,))
def create(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create an application credential for oneself, on the token's project."""
    user_id = req.params["user_id"]
    req.enforce("identity:create_application_credential", {"target.user.id": user_id})
    data = req.json["application_credential"]
    st = req.svc
    if not req.ctx.project_id:
        raise Forbidden("Application credentials need a project-scoped token.")
    if req.ctx.app_cred_id and not _unrestricted(req):
        raise Forbidden("A restricted application credential cannot create another.")
    held = st.assignment.roles_for(user_id, st.users.group_ids_of(user_id), "project",
                                   req.ctx.project_id)
    wanted: list[dict[str, str]] = []
    for ref in data.get("roles") or []:
        role = (st.assignment.get_role(ref["id"]) if ref.get("id")
                else st.assignment.get_role_by_name(str(ref.get("name")), ref.get("domain_id")))
        if role.id not in held:
            raise Forbidden(f"You may not delegate role {role.name}: you do not hold it.")
        wanted.append({"id": role.id, "name": role.name})
    if not wanted:
        token_roles = set(req.ctx.roles)
        wanted = [{"id": r.id, "name": r.name} for r in st.assignment.list_roles()
                  if r.name in token_roles and r.id in held]
    rules = st.access_rules.resolve(user_id, data["access_rules"]) if data.get(
        "access_rules") else None
    cred, secret = st.app_creds.create(
        user_id, req.ctx.project_id, data["name"], wanted, data.get("secret"),
        data.get("description"), _parse_expiry(data.get("expires_at")),
        bool(data.get("unrestricted", False)), rules)
    view = views.app_cred(base(req), cred, _names(req))
    view["secret"] = secret
    return {"application_credential": view}


def _unrestricted(req: ApiRequest[IdentityState]) -> bool:
    cred = req.svc.app_creds.get(req.ctx.app_cred_id or "")
    return cred.unrestricted


@router.get("/v3/users/{user_id}/application_credentials", query=queries.text("name"))
def listing(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List a user's application credentials."""
    user_id = req.params["user_id"]
    req.enforce("identity:list_application_credentials", {"target.user.id": user_id})
    rows = req.svc.app_creds.list(user_id, req.query.get("name"))
    names = _names(req)
    return views.collection(base(req), f"users/{user_id}/application_credentials",
                            "application_credentials",
                            [views.app_cred(base(req), c, names) for c in rows])


@router.get("/v3/users/{user_id}/application_credentials/{cred_id}")
def show(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an application credential (never its secret)."""
    user_id = req.params["user_id"]
    req.enforce("identity:get_application_credential", {"target.user.id": user_id})
    cred = req.svc.app_creds.get(req.params["cred_id"], user_id)
    return {"application_credential": views.app_cred(base(req), cred, _names(req))}


@router.delete("/v3/users/{user_id}/application_credentials/{cred_id}", status=204)
def delete(req: ApiRequest[IdentityState]) -> None:
    """Delete an application credential."""
    user_id = req.params["user_id"]
    req.enforce("identity:delete_application_credential", {"target.user.id": user_id})
    req.svc.app_creds.delete(req.params["cred_id"], user_id)
    req.svc.on_revocation()
