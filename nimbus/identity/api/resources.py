"""``/v3/domains`` and ``/v3/projects``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, body, filters, state
from nimbus.identity.managers.resource import DEFAULT_DOMAIN
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
    state(req).tokens.revoke(domain_id=req.params["domain_id"])


@router.post("/v3/projects", status=201)
def create_project(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_project")
    data = body(req, "project", requests.PROJECT_CREATE)
    st = state(req)
    if data.get("is_domain"):
        d = st.resource.create_domain(data["name"], data.get("description") or "",
                                      data.get("enabled", True), tags=data.get("tags"))
        return {"project": {**views.domain(base(req), d), "is_domain": True, "domain_id": None,
                            "parent_id": None}}
    domain_id = data.get("domain_id") or req.ctx.project_domain_id or DEFAULT_DOMAIN
    parent_id = data.get("parent_id")
    if parent_id and not data.get("domain_id"):
        try:
            domain_id = st.resource.get_project(parent_id).domain_id
        except NotFound:
            domain_id = st.resource.get_domain(parent_id).id
    p = st.resource.create_project(data["name"], domain_id, data.get("description") or "",
                                   data.get("enabled", True), parent_id, data.get("tags"),
                                   options=data.get("options"))
    return {"project": views.project(base(req), p)}


@router.get("/v3/projects")
def list_projects(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_projects")
    f = filters(req, "name", "domain_id", "enabled", "parent_id", "tags", "tags-any", "not-tags",
                "not-tags-any")
    rows = state(req).resource.list_projects(f)
    return views.collection(base(req), "projects", "projects",
                            [views.project(base(req), p) for p in rows])


@router.get("/v3/projects/{project_id}")
def get_project(req: ApiRequest) -> dict[str, Any]:
    project_id = req.params["project_id"]
    req.enforce("identity:get_project", {"target.project.id": project_id})
    return {"project": views.project(base(req), state(req).resource.get_project(project_id))}


@router.patch("/v3/projects/{project_id}")
def update_project(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_project")
    data = body(req, "project", requests.PROJECT_UPDATE)
    p = state(req).resource.update_project(req.params["project_id"], data)
    if data.get("enabled") is False:
        state(req).tokens.revoke(project_id=p.id)
    return {"project": views.project(base(req), p)}


@router.delete("/v3/projects/{project_id}", status=204)
def delete_project(req: ApiRequest) -> None:
    req.enforce("identity:delete_project")
    state(req).resource.delete_project(req.params["project_id"])
    state(req).tokens.revoke(project_id=req.params["project_id"])


@router.get("/v3/projects/{project_id}/tags")
def list_project_tags(req: ApiRequest) -> dict[str, Any]:
    project_id = req.params["project_id"]
    req.enforce("identity:get_project", {"target.project.id": project_id})
    return {"tags": state(req).resource.get_project(project_id).tags or []}


@router.put("/v3/projects/{project_id}/tags/{tag}", status=201)
def add_project_tag(req: ApiRequest) -> None:
    req.enforce("identity:update_project")
    st = state(req)
    p = st.resource.get_project(req.params["project_id"])
    tags = list(p.tags or [])
    if req.params["tag"] not in tags:
        tags.append(req.params["tag"])
    st.resource.update_project(p.id, {"tags": tags})


@router.get("/v3/projects/{project_id}/tags/{tag}", status=204)
def check_project_tag(req: ApiRequest) -> None:
    project_id = req.params["project_id"]
    req.enforce("identity:get_project", {"target.project.id": project_id})
    if req.params["tag"] not in (state(req).resource.get_project(project_id).tags or []):
        raise NotFound(resource="tag", id=req.params["tag"])


@router.delete("/v3/projects/{project_id}/tags/{tag}", status=204)
def delete_project_tag(req: ApiRequest) -> None:
    req.enforce("identity:update_project")
    st = state(req)
    p = st.resource.get_project(req.params["project_id"])
    if req.params["tag"] not in (p.tags or []):
        raise NotFound(resource="tag", id=req.params["tag"])
    st.resource.update_project(p.id, {"tags": [t for t in p.tags if t != req.params["tag"]]})
