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
    return views.user(base(req), user, state(req).users.password_expires_at(user.id))


@router.post("/v3/users", status=201)
def create_user(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_user")
    data = body(req, "user", requests.USER_CREATE)
    known = set(requests.USER_CREATE["properties"])  # type: ignore[arg-type]
    extra = {k: v for k, v in data.items() if k not in known}
    u = state(req).users.create_user(
        data["name"], data.get("domain_id") or req.ctx.project_domain_id or DEFAULT_DOMAIN,
        data.get("password"), data.get("enabled", True), data.get("default_project_id"),
        data.get("description"), data.get("email"), data.get("options"), extra)
    return {"user": _view(req, u)}


@router.get("/v3/users")
def list_users(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_users")
    rows = state(req).users.list_users(filters(req, "name", "domain_id", "enabled"))
    return views.collection(base(req), "users", "users", [_view(req, u) for u in rows])


@router.get("/v3/users/{user_id}")
def get_user(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_user", {"target.user.id": req.params["user_id"]})
    return {"user": _view(req, state(req).users.get_user(req.params["user_id"]))}


@router.patch("/v3/users/{user_id}")
def update_user(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_user")
    data = body(req, "user", requests.USER_UPDATE)
    st = state(req)
    u = st.users.update_user(req.params["user_id"], data)
    if data.get("enabled") is False or data.get("password") is not None:
        st.tokens.revoke(user_id=u.id)
    return {"user": _view(req, u)}


@router.delete("/v3/users/{user_id}", status=204)
def delete_user(req: ApiRequest) -> None:
    req.enforce("identity:delete_user")
    state(req).users.delete_user(req.params["user_id"])
    state(req).tokens.revoke(user_id=req.params["user_id"])


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
    req.enforce("identity:list_user_projects", {"target.user.id": user_id})
    st = state(req)
    st.users.get_user(user_id)
    ids = st.assignment.project_ids_for(user_id, st.users.group_ids_of(user_id))
    rows = st.resource.list_projects(filters(req, "name", "domain_id", "enabled"), ids=ids)
    return views.collection(base(req), f"users/{user_id}/projects", "projects",
                            [views.project(base(req), p) for p in rows])


@router.get("/v3/users/{user_id}/groups")
def list_user_groups(req: ApiRequest) -> dict[str, Any]:
    user_id = req.params["user_id"]
    req.enforce("identity:list_groups_for_user", {"target.user.id": user_id})
    st = state(req)
    st.users.get_user(user_id)
    rows = st.users.list_groups(user_id=user_id)
    return views.collection(base(req), f"users/{user_id}/groups", "groups",
                            [views.group(base(req), g) for g in rows])


@router.post("/v3/groups", status=201)
def create_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_group")
    data = body(req, "group", requests.GROUP_CREATE)
    g = state(req).users.create_group(data["name"], data.get("domain_id") or DEFAULT_DOMAIN,
                                      data.get("description") or "")
    return {"group": views.group(base(req), g)}


@router.get("/v3/groups")
def list_groups(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_groups")
    rows = state(req).users.list_groups(filters(req, "name", "domain_id"))
    return views.collection(base(req), "groups", "groups", [views.group(base(req), g) for g in rows])


@router.get("/v3/groups/{group_id}")
def get_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_group")
    return {"group": views.group(base(req), state(req).users.get_group(req.params["group_id"]))}


@router.patch("/v3/groups/{group_id}")
def update_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_group")
    data = body(req, "group", {"type": "object"})
    g = state(req).users.update_group(req.params["group_id"], data)
    return {"group": views.group(base(req), g)}


@router.delete("/v3/groups/{group_id}", status=204)
def delete_group(req: ApiRequest) -> None:
    req.enforce("identity:delete_group")
    state(req).users.delete_group(req.params["group_id"])
    state(req).on_revocation()


@router.get("/v3/groups/{group_id}/users")
def list_group_users(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_users_in_group")
    st = state(req)
    st.users.get_group(req.params["group_id"])
    rows = st.users.list_users({"group_id": req.params["group_id"]})
    return views.collection(base(req), f"groups/{req.params['group_id']}/users", "users",
                            [_view(req, u) for u in rows])


@router.put("/v3/groups/{group_id}/users/{user_id}", status=204)
def add_group_user(req: ApiRequest) -> None:
    req.enforce("identity:add_user_to_group")
    state(req).users.add_to_group(req.params["user_id"], req.params["group_id"])
    state(req).on_revocation()


@router.head("/v3/groups/{group_id}/users/{user_id}", status=204)
@router.get("/v3/groups/{group_id}/users/{user_id}", status=204)
def check_group_user(req: ApiRequest) -> None:
    req.enforce("identity:check_user_in_group")
    if not state(req).users.in_group(req.params["user_id"], req.params["group_id"]):
        raise NotFound(f"User {req.params['user_id']} is not a member of group "
                       f"{req.params['group_id']}.")


@router.delete("/v3/groups/{group_id}/users/{user_id}", status=204)
def remove_group_user(req: ApiRequest) -> None:
    req.enforce("identity:remove_user_from_group")
    state(req).users.remove_from_group(req.params["user_id"], req.params["group_id"])
    state(req).tokens.revoke(user_id=req.params["user_id"])
