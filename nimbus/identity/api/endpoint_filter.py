"""OS-EP-FILTER: endpoint groups, and which projects see which endpoints."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base, body, state
from nimbus.identity.schemas import catalog_extras as schemas
from nimbus.identity.schemas import views

router = Router()
PREFIX = "/v3/OS-EP-FILTER"


def _group_view(req: ApiRequest, row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "filters": row.filters or {},
            "links": {"self": f"{base(req)}{PREFIX}/endpoint_groups/{row.id}"}}


def _listing(req: ApiRequest, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: items, "links": {"self": f"{base(req)}{req.path.split('/identity', 1)[-1]}",
                                  "previous": None, "next": None}}


@router.post(f"{PREFIX}/endpoint_groups", status=201)
def create_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_endpoint_group")
    data = body(req, "endpoint_group", schemas.ENDPOINT_GROUP_CREATE)
    row = state(req).catalog_extras.create_group(data["name"], data["filters"],
                                                 data.get("description"))
    return {"endpoint_group": _group_view(req, row)}


@router.get(f"{PREFIX}/endpoint_groups")
def list_groups(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_endpoint_groups")
    rows = state(req).catalog_extras.list_groups(req.query.get("name"))
    return _listing(req, "endpoint_groups", [_group_view(req, r) for r in rows])


@router.head(f"{PREFIX}/endpoint_groups/{{group_id}}", status=200)
@router.get(f"{PREFIX}/endpoint_groups/{{group_id}}")
def get_group(req: ApiRequest) -> dict[str, Any] | None:
    req.enforce("identity:get_endpoint_group")
    row = state(req).catalog_extras.get_group(req.params["group_id"])
    return None if req.method == "HEAD" else {"endpoint_group": _group_view(req, row)}


@router.patch(f"{PREFIX}/endpoint_groups/{{group_id}}")
def update_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_endpoint_group")
    data = body(req, "endpoint_group", schemas.ENDPOINT_GROUP_UPDATE)
    row = state(req).catalog_extras.update_group(req.params["group_id"], data)
    return {"endpoint_group": _group_view(req, row)}


@router.delete(f"{PREFIX}/endpoint_groups/{{group_id}}", status=204)
def delete_group(req: ApiRequest) -> None:
    req.enforce("identity:delete_endpoint_group")
    state(req).catalog_extras.delete_group(req.params["group_id"])
    state(req).on_revocation()


@router.get(f"{PREFIX}/endpoint_groups/{{group_id}}/endpoints")
def group_endpoints(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_endpoints_associated_with_endpoint_group")
    rows = state(req).catalog_extras.endpoints_in_group(req.params["group_id"])
    return _listing(req, "endpoints", [views.endpoint(base(req), e) for e in rows])


@router.get(f"{PREFIX}/endpoint_groups/{{group_id}}/projects")
def group_projects(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_projects_associated_with_endpoint_group")
    rows = state(req).catalog_extras.projects_for_group(req.params["group_id"])
    return _listing(req, "projects", [views.project(base(req), p) for p in rows])


_GROUP_PROJECT = f"{PREFIX}/endpoint_groups/{{group_id}}/projects/{{project_id}}"


@router.put(_GROUP_PROJECT, status=204)
def add_group_project(req: ApiRequest) -> None:
    req.enforce("identity:add_endpoint_group_to_project")
    st = state(req)
    st.resource.get_project(req.params["project_id"])
    st.catalog_extras.associate_group(req.params["group_id"], req.params["project_id"])
    st.on_revocation()


@router.head(_GROUP_PROJECT, status=200)
@router.get(_GROUP_PROJECT)
def check_group_project(req: ApiRequest) -> dict[str, Any] | None:
    req.enforce("identity:get_endpoint_group_in_project")
    st = state(req)
    project = st.resource.get_project(req.params["project_id"])
    st.catalog_extras.get_group(req.params["group_id"])
    if not st.catalog_extras.group_associated(req.params["group_id"], project.id):
        raise NotFound(f"Endpoint group {req.params['group_id']} is not associated with "
                       f"project {project.id}.")
    return None if req.method == "HEAD" else {"project": views.project(base(req), project)}


@router.delete(_GROUP_PROJECT, status=204)
def remove_group_project(req: ApiRequest) -> None:
    req.enforce("identity:remove_endpoint_group_from_project")
    state(req).catalog_extras.dissociate_group(req.params["group_id"], req.params["project_id"])
    state(req).on_revocation()


@router.get(f"{PREFIX}/projects/{{project_id}}/endpoint_groups")
def project_groups(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_endpoint_groups_for_project")
    st = state(req)
    st.resource.get_project(req.params["project_id"])
    rows = st.catalog_extras.groups_for_project(req.params["project_id"])
    return _listing(req, "endpoint_groups", [_group_view(req, r) for r in rows])


# -- single endpoints per project ---------------------------------------------------------
_PROJECT_ENDPOINT = f"{PREFIX}/projects/{{project_id}}/endpoints/{{endpoint_id}}"


@router.put(_PROJECT_ENDPOINT, status=204)
def add_project_endpoint(req: ApiRequest) -> None:
    req.enforce("identity:add_endpoint_to_project")
    st = state(req)
    st.resource.get_project(req.params["project_id"])
    st.catalog_extras.associate_endpoint(req.params["endpoint_id"], req.params["project_id"])
    st.on_revocation()


@router.head(_PROJECT_ENDPOINT, status=204)
@router.get(_PROJECT_ENDPOINT, status=204)
def check_project_endpoint(req: ApiRequest) -> None:
    req.enforce("identity:check_endpoint_in_project")
    st = state(req)
    st.resource.get_project(req.params["project_id"])
    st.catalog.get_endpoint(req.params["endpoint_id"])
    if not st.catalog_extras.endpoint_associated(req.params["endpoint_id"],
                                                 req.params["project_id"]):
        raise NotFound(f"Endpoint {req.params['endpoint_id']} is not associated with project "
                       f"{req.params['project_id']}.")


@router.delete(_PROJECT_ENDPOINT, status=204)
def remove_project_endpoint(req: ApiRequest) -> None:
    req.enforce("identity:remove_endpoint_from_project")
    state(req).catalog_extras.dissociate_endpoint(req.params["endpoint_id"],
                                                  req.params["project_id"])
    state(req).on_revocation()


@router.get(f"{PREFIX}/projects/{{project_id}}/endpoints")
def project_endpoints(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_endpoints_for_project")
    st = state(req)
    st.resource.get_project(req.params["project_id"])
    rows = st.catalog_extras.endpoints_for_project(req.params["project_id"])
    return _listing(req, "endpoints", [views.endpoint(base(req), e) for e in rows])


@router.get(f"{PREFIX}/endpoints/{{endpoint_id}}/projects")
def endpoint_projects(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_projects_for_endpoint")
    st = state(req)
    st.catalog.get_endpoint(req.params["endpoint_id"])
    rows = st.catalog_extras.projects_for_endpoint(req.params["endpoint_id"])
    return _listing(req, "projects", [views.project(base(req), p) for p in rows])
