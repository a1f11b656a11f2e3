"""``/v3/projects`` (domains too, seen as projects acting as domains)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest, NotFound
from nimbus.identity.api.common import base, filters, page_query, paged_links
from nimbus.identity.constants import DEFAULT_DOMAIN, ROOT_DOMAIN
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.schemas.rows import Project
from nimbus.identity.state import IdentityState

router = Router()


@router.post("/v3/projects", status=201, body=requests.PROJECT_CREATE_BODY,
             faults=(404, 409))
def create_project(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a project, or a domain when ``is_domain`` is true."""
    data = req.json["project"]
    st = req.svc
    if data.get("is_domain"):
        req.enforce("identity:create_project", {"target.project.domain_id": None})
        if data.get("domain_id") or data.get("parent_id"):
            raise BadRequest("A project acting as a domain cannot have a domain_id or a "
                             "parent_id.")
        d = st.resource.create_domain(data["name"], data.get("description") or "",
                                      data.get("enabled", True), tags=data.get("tags"),
                                      options=data.get("options"))
        return {"project": views.project(base(req), d)}
    domain_id = data.get("domain_id")
    parent_id = data.get("parent_id")
    if parent_id and not domain_id:
        domain_id = st.resource.get_project(parent_id, allow_domain=True).domain_id
        if domain_id == ROOT_DOMAIN:
            domain_id = parent_id
    domain_id = domain_id or req.ctx.domain_id or req.ctx.project_domain_id or DEFAULT_DOMAIN
    req.enforce("identity:create_project", {"target.project.domain_id": domain_id})
    try:
        st.resource.get_domain(domain_id)
    except NotFound:
        raise BadRequest(f"Could not find domain: {domain_id}.") from None
    known = set(requests.PROJECT_CREATE["properties"])  # type: ignore[arg-type]
    extra = {k: v for k, v in data.items() if k not in known}
    p = st.resource.create_project(data["name"], domain_id, data.get("description") or "",
                                   data.get("enabled", True), parent_id, data.get("tags"),
                                   options=data.get("options"), extra=extra)
    return {"project": views.project(base(req), p)}


def _list_filters(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    f = filters(req, "name", "domain_id", "enabled", "parent_id", "tags", "tags-any", "not-tags",
                "not-tags-any")
    if "is_domain" in req.query:
        f["is_domain"] = req.query_bool("is_domain")
    return f


@router.get("/v3/projects", query=queries.PROJECTS)
def list_projects(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List projects; with ``limit`` or ``marker``, one page of them in id order."""
    f = _list_filters(req)
    if not req.allowed("identity:list_projects", {"target.domain_id": f.get("domain_id")}) \
            and req.ctx.domain_id and f.get("domain_id") in (None, req.ctx.domain_id):
        # A domain-scoped caller's listing is kept to their own domain.
        f["domain_id"] = req.ctx.domain_id
    req.enforce("identity:list_projects", {"target.domain_id": f.get("domain_id")})
    st = req.svc
    query = page_query(req)
    if query is None:
        rows = st.resource.list_projects(f)
        return views.collection(base(req), "projects", "projects",
                                [views.project(base(req), p) for p in rows])
    page = st.resource.page_projects(f, query, st.max_db_limit)
    body = views.collection(base(req), "projects", "projects",
                            [views.project(base(req), p) for p in page.items])
    return paged_links(req, body, query, page, st.max_db_limit)


def _tree_views(req: ApiRequest[IdentityState], project: Project, out: dict[str, Any]) -> None:
    """``parents``/``subtree`` for the ``*_as_list`` and ``*_as_ids`` query parameters."""
    q = req.query
    st = req.svc
    for kind in ("parents", "subtree"):
        as_list, as_ids = f"{kind}_as_list" in q, f"{kind}_as_ids" in q
        if as_list and as_ids:
            raise BadRequest(f"Cannot use {kind}_as_list and {kind}_as_ids query params at the "
                             f"same time.")
        if not (as_list or as_ids):
            continue
        rows = st.resource.parents(project.id) if kind == "parents" else \
            st.resource.subtree(project.id)
        if not req.allowed("identity:list_projects", {"target.domain_id": project.domain_id}):
            user_id = req.ctx.user_id or ""
            mine = st.assignment.project_ids_for(user_id, st.users.group_ids_of(user_id))
            rows = [r for r in rows if r.id in mine]
        if as_list:
            out[kind] = [{"project": views.project(base(req), r)} for r in rows]
        elif kind == "parents":
            nested: dict[str, Any] | None = None
            for row in reversed(rows):
                nested = {row.id: nested}
            out[kind] = nested
        else:
            children: dict[str | None, list[str]] = {}
            for row in rows:
                children.setdefault(row.parent_id, []).append(row.id)
            out[kind] = _ids_below(children, project.id)


def _ids_below(children: dict[str | None, list[str]], node: str) -> dict[str, Any] | None:
    """``{child: {grandchild: None}}``: the subtree as nested ids, None at the leaves."""
    below = children.get(node)
    return {c: _ids_below(children, c) for c in below} if below else None


@router.get("/v3/projects/{project_id}", query=queries.PROJECT)
def get_project(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a project, with its parents or subtree when asked."""
    project_id = req.params["project_id"]
    try:
        p = req.svc.resource.get_project(project_id, allow_domain=True)
    except NotFound:
        req.enforce("identity:get_project", {"target.project.id": project_id})
        raise
    req.enforce("identity:get_project", {"target.project.id": project_id,
                                         "target.project.domain_id": p.domain_id})
    out = views.project(base(req), p)
    _tree_views(req, p, out)
    return {"project": out}


@router.patch("/v3/projects/{project_id}", body=requests.PROJECT_UPDATE_BODY, faults=(409,))
def update_project(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a project; disabling it revokes the tokens scoped to it."""
    st = req.svc
    p = st.resource.get_project(req.params["project_id"], allow_domain=True)
    req.enforce("identity:update_project", {"target.project.id": p.id,
                                            "target.project.domain_id": p.domain_id})
    data = req.json["project"]
    p = st.resource.update_project(p.id, data)
    if data.get("enabled") is False:
        if p.is_domain:
            st.revocations.revoke(domain_id=p.id)
        else:
            st.revocations.revoke(project_id=p.id)
    return {"project": views.project(base(req), p)}


@router.delete("/v3/projects/{project_id}", status=204)
def delete_project(req: ApiRequest[IdentityState]) -> None:
    """Delete a leaf project (or a disabled domain seen as a project)."""
    st = req.svc
    p = st.resource.get_project(req.params["project_id"], allow_domain=True)
    req.enforce("identity:delete_project", {"target.project.id": p.id,
                                            "target.project.domain_id": p.domain_id})
    st.resource.delete_project(p.id)
    if p.is_domain:
        st.revocations.revoke(domain_id=p.id)
    else:
        st.revocations.revoke(project_id=p.id)
