"""``/v3/users`` and ``/v3/groups``: accounts, passwords and membership."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, body, filters, state
from nimbus.identity.managers.resource import DEFAULT_DOMAIN
from nimbus.identity.schemas import requests, views

router = Router()


def _view(req: ApiRequest, user: Any) -> dict[str, Any]:
    view = views.user(base(req), user, state(req).users.password_expires_at(user.id))
    federated = state(req).federation.federated_info([user.id]).get(user.id)
    if federated:
        view["federated"] = federated
    return view


def _enforce_on(req: ApiRequest, action: str, kind: str, id_: str,
                extra: dict[str, Any] | None = None) -> Any:
    """Load the user or group, enforce ``action`` with its domain, then 404 if it is missing.

    The policy is checked before the 404, so a stranger cannot probe which ids exist.
    """
    st = state(req)
    target: dict[str, Any] = {f"target.{kind}.id": id_, **(extra or {})}
    try:
        row = st.users.get_user(id_) if kind == "user" else st.users.get_group(id_)
    except NotFound:
        req.enforce(action, target)
        raise
    target[f"target.{kind}.domain_id"] = row.domain_id
    req.enforce(action, target)
    return row


def _domain_filter(req: ApiRequest, action: str) -> dict[str, Any]:
    """List filters; a domain-scoped caller's listing is kept to their own domain."""
    f = filters(req, "name", "domain_id", "enabled")
    if req.allowed(action, {"target.domain_id": f.get("domain_id")}):
        req.enforce(action, {"target.domain_id": f.get("domain_id")})
        return f
    if req.ctx.domain_id and f.get("domain_id") in (None, req.ctx.domain_id):
        f["domain_id"] = req.ctx.domain_id
    req.enforce(action, {"target.domain_id": f.get("domain_id")})
    return f


@router.post("/v3/users", status=201)
def create_user(req: ApiRequest) -> dict[str, Any]:
    data = body(req, "user", requests.USER_CREATE)
    domain_id = (data.get("domain_id") or req.ctx.domain_id or req.ctx.project_domain_id
                 or DEFAULT_DOMAIN)
    req.enforce("identity:create_user", {"target.user.domain_id": domain_id})
    known = set(requests.USER_CREATE["properties"])  # type: ignore[arg-type]
    extra = {k: v for k, v in data.items() if k not in known}
    u = state(req).users.create_user(
        data["name"], domain_id,
        data.get("password"), data.get("enabled", True), data.get("default_project_id"),
        data.get("description"), data.get("email"), data.get("options"), extra)
    return {"user": _view(req, u)}


@router.get("/v3/users")
def list_users(req: ApiRequest) -> dict[str, Any]:
    rows = state(req).users.list_users(_domain_filter(req, "identity:list_users"))
    return views.collection(base(req), "users", "users", [_view(req, u) for u in rows])


@router.get("/v3/users/{user_id}")
def get_user(req: ApiRequest) -> dict[str, Any]:
    return {"user": _view(req, _enforce_on(req, "identity:get_user", "user",
                                           req.params["user_id"]))}


@router.patch("/v3/users/{user_id}")
def update_user(req: ApiRequest) -> dict[str, Any]:
    _enforce_on(req, "identity:update_user", "user", req.params["user_id"])
    data = body(req, "user", requests.USER_UPDATE)
    st = state(req)
    u = st.users.update_user(req.params["user_id"], data)
    if data.get("enabled") is False or data.get("password") is not None:
        st.tokens.revoke(user_id=u.id)
    return {"user": _view(req, u)}


@router.delete("/v3/users/{user_id}", status=204)
def delete_user(req: ApiRequest) -> None:
    _enforce_on(req, "identity:delete_user", "user", req.params["user_id"])
    state(req).users.delete_user(req.params["user_id"])
    state(req).tokens.revoke(user_id=req.params["user_id"])
    # What the user delegated or kept goes with them (trusts both ways, credentials, rules).
    state(req).trusts.delete_for_user(req.params["user_id"])
    state(req).creds.delete_for_user(req.params["user_id"])
    state(req).access_rules.delete_for_user(req.params["user_id"])


@router.post("/v3/users/{user_id}/password", status=204)
def change_password(req: ApiRequest) -> None:
    user_id = req.params["user_id"]
    req.enforce("identity:change_password", {"target.user.id": user_id})
    data = body(req, "user", requests.PASSWORD_CHANGE)
    st = state(req)
    st.users.change_password(user_id, data["original_password"], data["password"])
    st.tokens.revoke(user_id=user_id)


@router.get("/v3/users/{user_id}/projects")
def list_user_projects(req: ApiRequest) -> dict[str, Any]:
    user_id = req.params["user_id"]
    _enforce_on(req, "identity:list_user_projects", "user", user_id)
    st = state(req)
    ids = st.assignment.project_ids_for(user_id, st.users.group_ids_of(user_id))
    rows = st.resource.list_projects(filters(req, "name", "domain_id", "enabled"), ids=ids)
    return views.collection(base(req), f"users/{user_id}/projects", "projects",
                            [views.project(base(req), p) for p in rows])


@router.get("/v3/users/{user_id}/groups")
def list_user_groups(req: ApiRequest) -> dict[str, Any]:
    user_id = req.params["user_id"]
    _enforce_on(req, "identity:list_groups_for_user", "user", user_id)
    st = state(req)
    rows = st.users.list_groups(user_id=user_id)
    return views.collection(base(req), f"users/{user_id}/groups", "groups",
                            [views.group(base(req), g) for g in rows])


@router.post("/v3/groups", status=201)
def create_group(req: ApiRequest) -> dict[str, Any]:
    data = body(req, "group", requests.GROUP_CREATE)
    domain_id = data.get("domain_id") or req.ctx.domain_id or DEFAULT_DOMAIN
    req.enforce("identity:create_group", {"target.group.domain_id": domain_id})
    state(req).resource.get_domain(domain_id)
    g = state(req).users.create_group(data["name"], domain_id, data.get("description") or "")
    return {"group": views.group(base(req), g)}


@router.get("/v3/groups")
def list_groups(req: ApiRequest) -> dict[str, Any]:
    f = _domain_filter(req, "identity:list_groups")
    f.pop("enabled", None)
    rows = state(req).users.list_groups(f)
    return views.collection(base(req), "groups", "groups", [views.group(base(req), g) for g in rows])


@router.get("/v3/groups/{group_id}")
def get_group(req: ApiRequest) -> dict[str, Any]:
    g = _enforce_on(req, "identity:get_group", "group", req.params["group_id"])
    return {"group": views.group(base(req), g)}


@router.patch("/v3/groups/{group_id}")
def update_group(req: ApiRequest) -> dict[str, Any]:
    _enforce_on(req, "identity:update_group", "group", req.params["group_id"])
    data = body(req, "group", requests.GROUP_UPDATE)
    g = state(req).users.update_group(req.params["group_id"], data)
    return {"group": views.group(base(req), g)}


@router.delete("/v3/groups/{group_id}", status=204)
def delete_group(req: ApiRequest) -> None:
    _enforce_on(req, "identity:delete_group", "group", req.params["group_id"])
    state(req).users.delete_group(req.params["group_id"])
    state(req).on_revocation()


@router.get("/v3/groups/{group_id}/users")
def list_group_users(req: ApiRequest) -> dict[str, Any]:
    _enforce_on(req, "identity:list_users_in_group", "group", req.params["group_id"])
    st = state(req)
    rows = st.users.list_users({"group_id": req.params["group_id"]})
    return views.collection(base(req), f"groups/{req.params['group_id']}/users", "users",
                            [_view(req, u) for u in rows])


def _membership(req: ApiRequest, action: str) -> tuple[str, str]:
    st = state(req)
    user_id, group_id = req.params["user_id"], req.params["group_id"]
    target: dict[str, Any] = {"target.user.id": user_id, "target.group.id": group_id}
    missing: NotFound | None = None
    try:
        target["target.group.domain_id"] = st.users.get_group(group_id).domain_id
        target["target.user.domain_id"] = st.users.get_user(user_id).domain_id
    except NotFound as err:
        missing = err
    req.enforce(action, target)
    if missing is not None:
        raise missing
    return user_id, group_id


@router.put("/v3/groups/{group_id}/users/{user_id}", status=204)
def add_group_user(req: ApiRequest) -> None:
    user_id, group_id = _membership(req, "identity:add_user_to_group")
    state(req).users.add_to_group(user_id, group_id)
    state(req).on_revocation()


@router.head("/v3/groups/{group_id}/users/{user_id}", status=204)
@router.get("/v3/groups/{group_id}/users/{user_id}", status=204)
def check_group_user(req: ApiRequest) -> None:
    user_id, group_id = _membership(req, "identity:check_user_in_group")
    if not state(req).users.in_group(user_id, group_id):
        raise NotFound(f"User {user_id} is not a member of group {group_id}.")


@router.delete("/v3/groups/{group_id}/users/{user_id}", status=204)
def remove_group_user(req: ApiRequest) -> None:
    user_id, group_id = _membership(req, "identity:remove_user_from_group")
    state(req).users.remove_from_group(user_id, group_id)
    state(req).tokens.revoke(user_id=user_id)
