"""OS-EP-FILTER: endpoint groups, and which projects see which endpoints."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import NotFound
from nimbus.identity.api.common import base
from nimbus.identity.schemas import catalog_extras as schemas
from nimbus.identity.schemas import queries, views
from nimbus.identity.schemas.rows import EndpointGroup
from nimbus.identity.state import IdentityState

router = Router()
PREFIX = "/v3/OS-EP-FILTER"


def _group_view(req: ApiRequest[IdentityState], row: EndpointGroup) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "filters": row.filters or {},
            "links": {"self": f"{base(req)}{PREFIX}/endpoint_groups/{row.id}"}}


def _listing(req: ApiRequest[IdentityState], key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: items, "links": {"self": f"{base(req)}{req.path.split('/identity', 1)[-1]}",
                                  "previous": None, "next": None}}


@router.post(f"{PREFIX}/endpoint_groups", status=201, body=schemas.ENDPOINT_GROUP_CREATE_BODY)
def create_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create an endpoint group."""
    req.enforce("identity:create_endpoint_group")
    data = req.json["endpoint_group"]
    row = req.svc.catalog_extras.create_group(data["name"], data["filters"],
                                                 data.get("description"))
    return {"endpoint_group": _group_view(req, row)}


@router.get(f"{PREFIX}/endpoint_groups", query=queries.text("name"))
def list_groups(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List endpoint groups."""
    req.enforce("identity:list_endpoint_groups")
    rows = req.svc.catalog_extras.list_groups(req.query.get("name"))
    return _listing(req, "endpoint_groups", [_group_view(req, r) for r in rows])


@router.head(f"{PREFIX}/endpoint_groups/{{group_id}}", status=200)
@router.get(f"{PREFIX}/endpoint_groups/{{group_id}}")
def get_group(req: ApiRequest[IdentityState]) -> dict[str, Any] | None:
    """Show an endpoint group."""
    req.enforce("identity:get_endpoint_group")
    row = req.svc.catalog_extras.get_group(req.params["group_id"])
    return None if req.method == "HEAD" else {"endpoint_group": _group_view(req, row)}


@router.patch(f"{PREFIX}/endpoint_groups/{{group_id}}",
              body=schemas.ENDPOINT_GROUP_UPDATE_BODY)
def update_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update an endpoint group."""
    req.enforce("identity:update_endpoint_group")
    row = req.svc.catalog_extras.update_group(req.params["group_id"], req.json["endpoint_group"])
    return {"endpoint_group": _group_view(req, row)}


@router.delete(f"{PREFIX}/endpoint_groups/{{group_id}}", status=204)
def delete_group(req: ApiRequest[IdentityState]) -> None:
    """Delete an endpoint group."""
    req.enforce("identity:delete_endpoint_group")
    req.svc.catalog_extras.delete_group(req.params["group_id"])
    req.svc.on_revocation()


@router.get(f"{PREFIX}/endpoint_groups/{{group_id}}/endpoints")
def group_endpoints(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the endpoints an endpoint group selects."""
    req.enforce("identity:list_endpoints_associated_with_endpoint_group")
    rows = req.svc.catalog_extras.endpoints_in_group(req.params["group_id"])
    return _listing(req, "endpoints", [views.endpoint(base(req), e) for e in rows])


@router.get(f"{PREFIX}/endpoint_groups/{{group_id}}/projects")
def group_projects(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the projects an endpoint group is associated with."""
    req.enforce("identity:list_projects_associated_with_endpoint_group")
    rows = req.svc.catalog_extras.projects_for_group(req.params["group_id"])
    return _listing(req, "projects", [views.project(base(req), p) for p in rows])


_GROUP_PROJECT = f"{PREFIX}/endpoint_groups/{{group_id}}/projects/{{project_id}}"


@router.put(_GROUP_PROJECT, status=204)
def add_group_project(req: ApiRequest[IdentityState]) -> None:
    """Associate an endpoint group with a project."""
    req.enforce("identity:add_endpoint_group_to_project")
    st = req.svc
    st.resource.get_project(req.params["project_id"])
    st.catalog_extras.associate_group(req.params["group_id"], req.params["project_id"])
    st.on_revocation()


@router.head(_GROUP_PROJECT, status=200)
@router.get(_GROUP_PROJECT)
def check_group_project(req: ApiRequest[IdentityState]) -> dict[str, Any] | None:
    """Check an endpoint group's association with a project."""
    req.enforce("identity:get_endpoint_group_in_project")
    st = req.svc
    project = st.resource.get_project(req.params["project_id"])
    st.catalog_extras.get_group(req.params["group_id"])
    if not st.catalog_extras.group_associated(req.params["group_id"], project.id):
        raise NotFound(f"Endpoint group {req.params['group_id']} is not associated with "
                       f"project {project.id}.")
    return None if req.method == "HEAD" else {"project": views.project(base(req), project)}


@router.delete(_GROUP_PROJECT, status=204)
def remove_group_project(req: ApiRequest[IdentityState]) -> None:
    """Dissociate an endpoint group from a project."""
    req.enforce("identity:remove_endpoint_group_from_project")
    req.svc.catalog_extras.dissociate_group(req.params["group_id"], req.params["project_id"])
    req.svc.on_revocation()


@router.get(f"{PREFIX}/projects/{{project_id}}/endpoint_groups")
def project_groups(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the endpoint groups associated with a project."""
    req.enforce("identity:list_endpoint_groups_for_project")
    st = req.svc
    st.resource.get_project(req.params["project_id"])
    rows = st.catalog_extras.groups_for_project(req.params["project_id"])
    return _listing(req, "endpoint_groups", [_group_view(req, r) for r in rows])


# -- single endpoints per project ---------------------------------------------------------
_PROJECT_ENDPOINT = f"{PREFIX}/projects/{{project_id}}/endpoints/{{endpoint_id}}"


@router.put(_PROJECT_ENDPOINT, status=204)
def add_project_endpoint(req: ApiRequest[IdentityState]) -> None:
    """Associate an endpoint with a project."""
    req.enforce("identity:add_endpoint_to_project")
    st = req.svc
    st.resource.get_project(req.params["project_id"])
    st.catalog_extras.associate_endpoint(req.params["endpoint_id"], req.params["project_id"])
    st.on_revocation()


@router.head(_PROJECT_ENDPOINT, status=204)
@router.get(_PROJECT_ENDPOINT, status=204)
def check_project_endpoint(req: ApiRequest[IdentityState]) -> None:
    """Check an endpoint's association with a project."""
    req.enforce("identity:check_endpoint_in_project")
    st = req.svc
    st.resource.get_project(req.params["project_id"])
    st.catalog.get_endpoint(req.params["endpoint_id"])
    if not st.catalog_extras.endpoint_associated(req.params["endpoint_id"],
                                                 req.params["project_id"]):
        raise NotFound(f"Endpoint {req.params['endpoint_id']} is not associated with project "
                       f"{req.params['project_id']}.")


@router.delete(_PROJECT_ENDPOINT, status=204)
def remove_project_endpoint(req: ApiRequest[IdentityState]) -> None:
    """Dissociate an endpoint from a project."""
    req.enforce("identity:remove_endpoint_from_project")
    req.svc.catalog_extras.dissociate_endpoint(req.params["endpoint_id"],
                                                  req.params["project_id"])
    req.svc.on_revocation()


@router.get(f"{PREFIX}/projects/{{project_id}}/endpoints")
def project_endpoints(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the endpoints a project sees."""
    req.enforce("identity:list_endpoints_for_project")
    st = req.svc
    st.resource.get_project(req.params["project_id"])
    rows = st.catalog_extras.endpoints_for_project(req.params["project_id"])
    return _listing(req, "endpoints", [views.endpoint(base(req), e) for e in rows])


@router.get(f"{PREFIX}/endpoints/{{endpoint_id}}/projects")
def endpoint_projects(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the projects associated with an endpoint."""
    req.enforce("identity:list_projects_for_endpoint")
    st = req.svc
    st.catalog.get_endpoint(req.params["endpoint_id"])
    rows = st.catalog_extras.projects_for_endpoint(req.params["endpoint_id"])
    return _listing(req, "projects", [views.project(base(req), p) for p in rows])
