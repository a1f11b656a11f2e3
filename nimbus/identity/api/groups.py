"""``/v3/groups``: groups and their members."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, page_query, paged_links
from nimbus.identity.api.users import domain_filter, enforce_on, user_views
from nimbus.identity.constants import DEFAULT_DOMAIN
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.state import IdentityState

router = Router()


@router.post("/v3/groups", status=201, body=requests.GROUP_CREATE_BODY, faults=(404, 409))
def create_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a group."""
    data = req.json["group"]
    domain_id = data.get("domain_id") or req.ctx.domain_id or DEFAULT_DOMAIN
    req.enforce("identity:create_group", {"target.group.domain_id": domain_id})
    st = req.svc
    st.resource.get_domain(domain_id)
    g = st.users.create_group(data["name"], domain_id, data.get("description") or "")
    return {"group": views.group(base(req), g)}


@router.get("/v3/groups", query=queries.GROUPS, faults=(503,))
def list_groups(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List groups; with ``limit`` or ``marker``, one page of them in id order."""
    st = req.svc
    wanted = domain_filter(req, "identity:list_groups")
    wanted.pop("enabled", None)
    query = page_query(req)
    if query is None:
        rows = st.users.list_groups(wanted)
        return views.collection(base(req), "groups", "groups",
                                [views.group(base(req), g) for g in rows])
    page = st.users.page_groups(wanted, query, st.max_db_limit)
    body = views.collection(base(req), "groups", "groups",
                            [views.group(base(req), g) for g in page.items])
    return paged_links(req, body, query, page, st.max_db_limit)


@router.get("/v3/groups/{group_id}", faults=(503,))
def get_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a group."""
    g = enforce_on(req, "identity:get_group", "group", req.params["group_id"])
    return {"group": views.group(base(req), g)}


@router.patch("/v3/groups/{group_id}", body=requests.GROUP_UPDATE_BODY, faults=(409,))
def update_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a group."""
    enforce_on(req, "identity:update_group", "group", req.params["group_id"])
    g = req.svc.users.update_group(req.params["group_id"], req.json["group"])
    return {"group": views.group(base(req), g)}


@router.delete("/v3/groups/{group_id}", status=204)
def delete_group(req: ApiRequest[IdentityState]) -> None:
    """Delete a group (its members lose the roles it gave them at once)."""
    enforce_on(req, "identity:delete_group", "group", req.params["group_id"])
    req.svc.users.delete_group(req.params["group_id"])
    req.svc.on_revocation()


@router.get("/v3/groups/{group_id}/users")
def list_group_users(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List a group's members."""
    group_id = req.params["group_id"]
    enforce_on(req, "identity:list_users_in_group", "group", group_id)
    rows = req.svc.users.list_users({"group_id": group_id})
    return views.collection(base(req), f"groups/{group_id}/users", "users",
                            user_views(req, rows))


def _membership(req: ApiRequest[IdentityState], action: str) -> tuple[str, str]:
    st = req.svc
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
def add_group_user(req: ApiRequest[IdentityState]) -> None:
    """Add a user to a group."""
    user_id, group_id = _membership(req, "identity:add_user_to_group")
    req.svc.users.add_to_group(user_id, group_id)
    req.svc.on_revocation()


@router.head("/v3/groups/{group_id}/users/{user_id}", status=204)
@router.get("/v3/groups/{group_id}/users/{user_id}", status=204)
def check_group_user(req: ApiRequest[IdentityState]) -> None:
    """Check that a user is in a group."""
    user_id, group_id = _membership(req, "identity:check_user_in_group")
    if not req.svc.users.in_group(user_id, group_id):
        raise NotFound(f"User {user_id} is not a member of group {group_id}.")


@router.delete("/v3/groups/{group_id}/users/{user_id}", status=204)
def remove_group_user(req: ApiRequest[IdentityState]) -> None:
    """Remove a user from a group (and revoke their tokens)."""
    user_id, group_id = _membership(req, "identity:remove_user_from_group")
    req.svc.users.remove_from_group(user_id, group_id)
    req.svc.revocations.revoke(user_id=user_id)
