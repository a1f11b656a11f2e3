"""``/v3/domains`` and ``/v3/projects``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.api.validation import validate
from nimbus.core.errors import BadRequest, NotFound
from nimbus.identity.api.common import base, body, filters, state
from nimbus.identity.managers.resource import DEFAULT_DOMAIN, ROOT_DOMAIN
from nimbus.identity.schemas import requests, views

router = Router()


@router.post("/v3/domains", status=201)
def create_domain(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_domain")
    data = body(req, "domain", requests.DOMAIN_CREATE)
    d = state(req).resource.create_domain(data["name"], data.get("description") or "",
                                          data.get("enabled", True), data.get("id"),
                                          data.get("tags"), data.get("options"))
    return {"domain": views.domain(base(req), d)}


@router.get("/v3/domains")
def list_domains(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_domains")
    f = filters(req, "name", "enabled")
    rows = state(req).resource.list_domains(f.get("name"), f.get("enabled"))
    return views.collection(base(req), "domains", "domains",
                            [views.domain(base(req), d) for d in rows])


@router.get("/v3/domains/{domain_id}")
def get_domain(req: ApiRequest) -> dict[str, Any]:
    domain_id = req.params["domain_id"]
    req.enforce("identity:get_domain", {"target.domain.id": domain_id})
    return {"domain": views.domain(base(req), state(req).resource.get_domain(domain_id))}


@router.patch("/v3/domains/{domain_id}")
def update_domain(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_domain")
    data = body(req, "domain", requests.DOMAIN_UPDATE)
    d = state(req).resource.update_domain(req.params["domain_id"], data)
    if data.get("enabled") is False:
        state(req).tokens.revoke(domain_id=d.id)
    return {"domain": views.domain(base(req), d)}


@router.delete("/v3/domains/{domain_id}", status=204)
def delete_domain(req: ApiRequest) -> None:
    req.enforce("identity:delete_domain")
    state(req).resource.delete_domain(req.params["domain_id"])
    state(req).users.mapping.purge_domain(req.params["domain_id"])
    state(req).tokens.revoke(domain_id=req.params["domain_id"])


@router.post("/v3/projects", status=201)
def create_project(req: ApiRequest) -> dict[str, Any]:
    data = body(req, "project", requests.PROJECT_CREATE)
    st = state(req)
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


def _list_filters(req: ApiRequest) -> dict[str, Any]:
    f = filters(req, "name", "domain_id", "enabled", "parent_id", "tags", "tags-any", "not-tags",
                "not-tags-any")
    if "is_domain" in req.query:
        f["is_domain"] = req.query_bool("is_domain")
    return f


@router.get("/v3/projects")
def list_projects(req: ApiRequest) -> dict[str, Any]:
    f = _list_filters(req)
    if not req.allowed("identity:list_projects", {"target.domain_id": f.get("domain_id")}) \
            and req.ctx.domain_id and f.get("domain_id") in (None, req.ctx.domain_id):
        # A domain-scoped caller's listing is kept to their own domain.
        f["domain_id"] = req.ctx.domain_id
    req.enforce("identity:list_projects", {"target.domain_id": f.get("domain_id")})
    rows = state(req).resource.list_projects(f)
    return views.collection(base(req), "projects", "projects",
                            [views.project(base(req), p) for p in rows])


def _tree_views(req: ApiRequest, project: Any, out: dict[str, Any]) -> None:
    """``parents``/``subtree`` for the ``*_as_list`` and ``*_as_ids`` query parameters."""
    q = req.query
    for kind in ("parents", "subtree"):
        as_list, as_ids = f"{kind}_as_list" in q, f"{kind}_as_ids" in q
        if as_list and as_ids:
            raise BadRequest(f"Cannot use {kind}_as_list and {kind}_as_ids query params at the "
                             f"same time.")
        if not (as_list or as_ids):
            continue
        st = state(req)
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


@router.get("/v3/projects/{project_id}")
def get_project(req: ApiRequest) -> dict[str, Any]:
    project_id = req.params["project_id"]
    st = state(req)
    try:
        p = st.resource.get_project(project_id, allow_domain=True)
    except NotFound:
        req.enforce("identity:get_project", {"target.project.id": project_id})
        raise
    req.enforce("identity:get_project", {"target.project.id": project_id,
                                         "target.project.domain_id": p.domain_id})
    out = views.project(base(req), p)
    _tree_views(req, p, out)
    return {"project": out}


@router.patch("/v3/projects/{project_id}")
def update_project(req: ApiRequest) -> dict[str, Any]:
    st = state(req)
    p = st.resource.get_project(req.params["project_id"], allow_domain=True)
    req.enforce("identity:update_project", {"target.project.id": p.id,
                                            "target.project.domain_id": p.domain_id})
    data = body(req, "project", requests.PROJECT_UPDATE)
    p = st.resource.update_project(p.id, data)
    if data.get("enabled") is False:
        if p.is_domain:
            st.tokens.revoke(domain_id=p.id)
        else:
            st.tokens.revoke(project_id=p.id)
    return {"project": views.project(base(req), p)}


@router.delete("/v3/projects/{project_id}", status=204)
def delete_project(req: ApiRequest) -> None:
    st = state(req)
    p = st.resource.get_project(req.params["project_id"], allow_domain=True)
    req.enforce("identity:delete_project", {"target.project.id": p.id,
                                            "target.project.domain_id": p.domain_id})
    st.resource.delete_project(p.id)
    if p.is_domain:
        st.tokens.revoke(domain_id=p.id)
    else:
        st.tokens.revoke(project_id=p.id)


# -- tags -------------------------------------------------------------------------------------
def _tag_target(req: ApiRequest, action: str) -> Any:
    st = state(req)
    p = st.resource.get_project(req.params["project_id"])
    req.enforce(action, {"target.project.id": p.id, "target.project.domain_id": p.domain_id})
    return p


def _check_tag(tag: str) -> str:
    validate({"tags": [tag]}, {"type": "object", "properties": {"tags": requests.TAGS_STRICT}})
    return tag


@router.get("/v3/projects/{project_id}/tags")
def list_project_tags(req: ApiRequest) -> dict[str, Any]:
    return {"tags": _tag_target(req, "identity:list_project_tags").tags or []}


@router.put("/v3/projects/{project_id}/tags")
def replace_project_tags(req: ApiRequest) -> dict[str, Any]:
    p = _tag_target(req, "identity:update_project_tags")
    data = validate(req.json, {"type": "object", "properties": {"tags": requests.TAGS_STRICT},
                               "required": ["tags"]})
    p = state(req).resource.update_project(p.id, {"tags": list(dict.fromkeys(data["tags"]))})
    return {"tags": p.tags or []}


@router.delete("/v3/projects/{project_id}/tags", status=204)
def delete_project_tags(req: ApiRequest) -> None:
    p = _tag_target(req, "identity:delete_project_tags")
    state(req).resource.update_project(p.id, {"tags": []})


@router.put("/v3/projects/{project_id}/tags/{tag}", status=201)
def add_project_tag(req: ApiRequest) -> Reply:
    p = _tag_target(req, "identity:create_project_tag")
    tag = _check_tag(req.params["tag"])
    tags = list(p.tags or [])
    if tag not in tags:
        if len(tags) >= requests.MAX_TAGS:
            raise BadRequest(f"Invalid input for field 'tags': a project has at most "
                             f"{requests.MAX_TAGS} tags.")
        tags.append(tag)
    state(req).resource.update_project(p.id, {"tags": tags})
    return Reply(None, status=201, headers={"Location": f"{base(req)}/v3/projects/{p.id}/tags/"
                                                        f"{tag}"})


@router.head("/v3/projects/{project_id}/tags/{tag}", status=204)
@router.get("/v3/projects/{project_id}/tags/{tag}", status=204)
def check_project_tag(req: ApiRequest) -> None:
    p = _tag_target(req, "identity:get_project_tag")
    if req.params["tag"] not in (p.tags or []):
        raise NotFound(resource="tag", id=req.params["tag"])


@router.delete("/v3/projects/{project_id}/tags/{tag}", status=204)
def delete_project_tag(req: ApiRequest) -> None:
    p = _tag_target(req, "identity:delete_project_tag")
    if req.params["tag"] not in (p.tags or []):
        raise NotFound(resource="tag", id=req.params["tag"])
    state(req).resource.update_project(p.id, {"tags": [t for t in p.tags
                                                       if t != req.params["tag"]]})
