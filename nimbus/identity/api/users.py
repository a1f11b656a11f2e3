"""``/v3/users``: accounts, passwords, and what a user belongs to."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, filters, page_query, paged_links
from nimbus.identity.constants import DEFAULT_DOMAIN
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.schemas.rows import Group, User
from nimbus.identity.state import IdentityState

router = Router()


def user_views(req: ApiRequest[IdentityState], users: list[User]) -> list[dict[str, Any]]:
    """Users as Keystone shows them; a page's password expiries and federated links are read
    in one query each."""
    st = req.svc
    ids = [u.id for u in users]
    expiry = st.users.passwords_expire_at(ids)
    federated = st.federation.federated_info(ids)
    out = []
    for user in users:
        view = views.user(base(req), user, expiry.get(user.id))
        if federated.get(user.id):
            view["federated"] = federated[user.id]
        out.append(view)
    return out


def enforce_on(req: ApiRequest[IdentityState], action: str, kind: str, id_: str) -> Any:
    """Load the user or group, enforce ``action`` with its domain, then 404 if it is missing.

    The policy is checked before the 404, so a stranger cannot probe which ids exist.
    """
    st = req.svc
    target: dict[str, Any] = {f"target.{kind}.id": id_}
    try:
        row: User | Group = st.users.get_user(id_) if kind == "user" else st.users.get_group(id_)
    except NotFound:
        req.enforce(action, target)
        raise
    target[f"target.{kind}.domain_id"] = row.domain_id
    req.enforce(action, target)
    return row


def domain_filter(req: ApiRequest[IdentityState], action: str) -> dict[str, Any]:
    """List filters; a domain-scoped caller's listing is kept to their own domain."""
    f = filters(req, "name", "domain_id", "enabled")
    if req.allowed(action, {"target.domain_id": f.get("domain_id")}):
        req.enforce(action, {"target.domain_id": f.get("domain_id")})
        return f
    if req.ctx.domain_id and f.get("domain_id") in (None, req.ctx.domain_id):
        f["domain_id"] = req.ctx.domain_id
    req.enforce(action, {"target.domain_id": f.get("domain_id")})
    return f


@router.post("/v3/users", status=201, body=requests.USER_CREATE_BODY, faults=(404, 409))
def create_user(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a user."""
    data = req.json["user"]
    domain_id = (data.get("domain_id") or req.ctx.domain_id or req.ctx.project_domain_id
                 or DEFAULT_DOMAIN)
    req.enforce("identity:create_user", {"target.user.domain_id": domain_id})
    known = set(requests.USER_CREATE["properties"])  # type: ignore[arg-type]
    extra = {k: v for k, v in data.items() if k not in known}
    u = req.svc.users.create_user(
        data["name"], domain_id,
        data.get("password"), data.get("enabled", True), data.get("default_project_id"),
        data.get("description"), data.get("email"), data.get("options"), extra)
    return {"user": user_views(req, [u])[0]}


@router.get("/v3/users", query=queries.USERS, faults=(503,))
def list_users(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List users; with ``limit`` or ``marker``, one page of them in id order."""
    st = req.svc
    wanted = domain_filter(req, "identity:list_users")
    query = page_query(req)
    if query is None:
        rows = st.users.list_users(wanted)
        return views.collection(base(req), "users", "users", user_views(req, rows))
    page = st.users.page_users(wanted, query, st.max_db_limit)
    body = views.collection(base(req), "users", "users", user_views(req, page.items))
    return paged_links(req, body, query, page, st.max_db_limit)


@router.get("/v3/users/{user_id}", faults=(503,))
def get_user(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a user."""
    user = enforce_on(req, "identity:get_user", "user", req.params["user_id"])
    return {"user": user_views(req, [user])[0]}


@router.patch("/v3/users/{user_id}", body=requests.USER_UPDATE_BODY, faults=(409,))
def update_user(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a user; disabling them or setting a password revokes their tokens."""
    enforce_on(req, "identity:update_user", "user", req.params["user_id"])
    data = req.json["user"]
    st = req.svc
    u = st.users.update_user(req.params["user_id"], data)
    if data.get("enabled") is False or data.get("password") is not None:
        st.revocations.revoke(user_id=u.id)
    return {"user": user_views(req, [u])[0]}


@router.delete("/v3/users/{user_id}", status=204)
def delete_user(req: ApiRequest[IdentityState]) -> None:
    """Delete a user, with their tokens, trusts, credentials and access rules."""
    user_id = req.params["user_id"]
    enforce_on(req, "identity:delete_user", "user", user_id)
    st = req.svc
    st.users.delete_user(user_id)
    st.revocations.revoke(user_id=user_id)
    # What the user delegated or kept goes with them (trusts both ways, credentials, rules).
    st.trusts.delete_for_user(user_id)
    st.creds.delete_for_user(user_id)
    st.access_rules.delete_for_user(user_id)


@router.post("/v3/users/{user_id}/password", status=204, body=requests.PASSWORD_CHANGE_BODY)
def change_password(req: ApiRequest[IdentityState]) -> None:
    """Change one's own password (the original must be given)."""
    user_id = req.params["user_id"]
    req.enforce("identity:change_password", {"target.user.id": user_id})
    data = req.json["user"]
    st = req.svc
    st.users.change_password(user_id, data["original_password"], data["password"])
    st.revocations.revoke(user_id=user_id)


@router.get("/v3/users/{user_id}/projects", query=queries.USER_PROJECTS)
def list_user_projects(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the projects a user has a role on."""
    user_id = req.params["user_id"]
    enforce_on(req, "identity:list_user_projects", "user", user_id)
    st = req.svc
    ids = st.assignment.project_ids_for(user_id, st.users.group_ids_of(user_id))
    rows = st.resource.list_projects(filters(req, "name", "domain_id", "enabled"), ids=ids)
    return views.collection(base(req), f"users/{user_id}/projects", "projects",
                            [views.project(base(req), p) for p in rows])


@router.get("/v3/users/{user_id}/groups")
def list_user_groups(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the groups a user belongs to."""
    user_id = req.params["user_id"]
    enforce_on(req, "identity:list_groups_for_user", "user", user_id)
    rows = req.svc.users.list_groups(user_id=user_id)
    return views.collection(base(req), f"users/{user_id}/groups", "groups",
                            [views.group(base(req), g) for g in rows])
