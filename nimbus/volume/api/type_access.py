"""Private volume types: who may use them (``os-volume-type-access``), and each project's own
default type (``/default-types``, 3.62)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.schemas import type_access as schema
from nimbus.volume.schemas.quotas import TARGET
from nimbus.volume.state import VolumeState

router = VolumeRouter()
DEFAULT_TYPES_VERSION = "3.62"


@router.get("/types/{type_id}/os-volume-type-access")
def access_list(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List the projects given a private volume type."""
    req.enforce("volume_extension:volume_type_access:get_all_for_type")
    return {"volume_type_access": req.svc.types.access_list(req.params["type_id"])}


@router.post("/types/{type_id}/action", status=202, body=schema.ACTION, faults=(409,))
def action(req: ApiRequest[VolumeState]) -> Reply:
    """Give a project a private volume type (addProjectAccess), or take it back
    (removeProjectAccess)."""
    ((name, arg),) = req.json.items()
    type_id, project = req.params["type_id"], arg["project"]
    if name == "addProjectAccess":
        req.enforce("volume_extension:volume_type_access:addProjectAccess")
        req.svc.types.add_access(type_id, project)
    else:
        req.enforce("volume_extension:volume_type_access:removeProjectAccess")
        req.svc.types.remove_access(type_id, project)
    return Reply(None, status=202)


# -- default types -------------------------------------------------------------------------------
@router.put("/default-types/{target_project}", body=schema.DEFAULT_TYPE, params=TARGET,
            min_version=DEFAULT_TYPES_VERSION)
def default_set(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Set a project's default volume type."""
    project = req.params["target_project"]
    req.enforce("volume_extension:default_set_or_update", target={"project_id": project})
    chosen = req.svc.types.set_default(project, req.json["default_type"]["volume_type"])
    return {"default_type": schema.default_view(chosen)}


@router.get("/default-types/{target_project}", params=TARGET, min_version=DEFAULT_TYPES_VERSION)
def default_show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a project's default volume type."""
    project = req.params["target_project"]
    req.enforce("volume_extension:default_get", target={"project_id": project})
    return {"default_type": schema.default_view(req.svc.types.get_default(project))}


@router.get("/default-types", min_version=DEFAULT_TYPES_VERSION)
def default_index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List every project's default volume type."""
    req.enforce("volume_extension:default_get_all")
    return {"default_types": [schema.default_view(d) for d in req.svc.types.defaults()]}


@router.delete("/default-types/{target_project}", status=204, params=TARGET,
               min_version=DEFAULT_TYPES_VERSION)
def default_unset(req: ApiRequest[VolumeState]) -> Reply:
    """Unset a project's default volume type."""
    project = req.params["target_project"]
    req.enforce("volume_extension:default_unset", target={"project_id": project})
    req.svc.types.unset_default(project)
    return Reply(None, status=204)
