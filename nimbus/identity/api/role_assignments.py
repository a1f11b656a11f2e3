"""``GET /v3/role_assignments``: direct or effective assignments, with names on request."""

from __future__ import annotations

import contextlib
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base
from nimbus.identity.constants import GLOBAL
from nimbus.identity.manager.assignment import Grant
from nimbus.identity.manager.role_assignments import Entry, Query
from nimbus.identity.schemas import queries
from nimbus.identity.state import IdentityState

router = Router()


def _flag(req: ApiRequest[IdentityState], name: str) -> bool:
    """Keystone's query flags: present (even empty) means true, unless it says false."""
    return name in req.query and (req.query.get(name) or "").lower() not in ("0", "false")


def _link(b: str, g: Grant) -> str:
    actor = "users" if g.is_user else "groups"
    if g.target_kind == "system":
        return f"{b}/v3/system/{actor}/{g.actor_id}/roles/{g.role_id}"
    path = f"{g.target_kind}s/{g.target_id}/{actor}/{g.actor_id}/roles/{g.role_id}"
    if g.inherited:
        return f"{b}/v3/OS-INHERIT/{path}/inherited_to_projects"
    return f"{b}/v3/{path}"


class _Names:
    """Looks names up once per request; a deleted entity keeps its bare id."""

    def __init__(self, req: ApiRequest[IdentityState]) -> None:
        self.st = req.svc
        self.cache: dict[tuple[str, str], dict[str, Any]] = {}

    def _domain(self, domain_id: str) -> dict[str, Any]:
        return self.get("domain", domain_id)

    def get(self, kind: str, id_: str) -> dict[str, Any]:
        key = (kind, id_)
        if key not in self.cache:
            self.cache[key] = {"id": id_}
            with contextlib.suppress(NotFound):
                self.cache[key] = self._load(kind, id_)
        return self.cache[key]

    def _load(self, kind: str, id_: str) -> dict[str, Any]:
        st = self.st
        if kind == "domain":
            return {"id": id_, "name": st.resource.get_domain(id_).name}
        if kind == "role":
            role = st.assignment.get_role(id_)
            out: dict[str, Any] = {"id": id_, "name": role.name}
            if role.domain_id != GLOBAL:
                out["domain"] = self._domain(role.domain_id)
            return out
        row: Any = (st.users.get_user(id_) if kind == "user" else
                    st.users.get_group(id_) if kind == "group" else
                    st.resource.get_project(id_))
        return {"id": id_, "name": row.name, "domain": self._domain(row.domain_id)}


def _entry(req: ApiRequest[IdentityState], e: Entry, names: _Names | None) -> dict[str, Any]:
    b = base(req)
    g = e.grant
    actor = "user" if g.is_user else "group"
    kind = g.target_kind
    out: dict[str, Any] = {"role": {"id": g.role_id}, actor: {"id": g.actor_id},
                           "links": {"assignment": _link(b, e.source)}}
    out["scope"] = {"system": {"all": True}} if kind == "system" else {kind: {"id": g.target_id}}
    if g.inherited:
        out["scope"]["OS-INHERIT:inherited_to"] = "projects"
    if e.via_group:
        out["links"]["membership"] = f"{b}/v3/groups/{e.via_group}/users/{g.actor_id}"
    if e.prior_role:
        out["links"]["prior_role"] = f"{b}/v3/roles/{e.prior_role}"
    if names is not None:
        out["role"] = names.get("role", g.role_id)
        out[actor] = names.get(actor, g.actor_id)
        if kind != "system":
            out["scope"][kind] = names.get(kind, g.target_id)
    return out


@router.get("/v3/role_assignments", query=queries.ROLE_ASSIGNMENTS)
def list_role_assignments(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List role assignments: as stored, or the effective ones tokens see."""
    q = req.query
    query = Query(user_id=q.get("user.id"), group_id=q.get("group.id"), role_id=q.get("role.id"),
                  project_id=q.get("scope.project.id"), domain_id=q.get("scope.domain.id"),
                  system="scope.system" in q,
                  inherited=bool(q.get("scope.OS-INHERIT:inherited_to")),
                  effective=_flag(req, "effective"),
                  include_subtree=_flag(req, "include_subtree"))
    if query.include_subtree:
        # Keystone's own rule for tree listings: a project admin may list their tree too.
        req.enforce("identity:list_role_assignments_for_tree",
                    {"target.project.id": query.project_id})
    elif not req.allowed("identity:list_role_assignments", {"target.domain_id": None}):
        # A domain reader sees the assignments on their domain and its projects only.
        req.enforce("identity:list_role_assignments", {"target.domain_id": req.ctx.domain_id})
        query.visible_targets = {req.ctx.domain_id or ""}
    else:
        req.enforce("identity:list_role_assignments")
    st = req.svc
    if query.project_id and query.include_subtree:
        st.resource.get_project(query.project_id)
    names = _Names(req) if _flag(req, "include_names") else None
    entries = st.role_assignments.list(query)
    return {"role_assignments": [_entry(req, e, names) for e in entries],
            "links": {"self": f"{base(req)}/v3/role_assignments", "previous": None,
                      "next": None}}

