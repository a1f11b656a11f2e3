"""/v2.0/quotas"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import quotas as schemas
from nimbus.network.state import NetworkState

router = Router()


@router.get("/v2.0/quotas", query=schemas.LIST_QUERY)
def list_quotas(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the projects whose quotas differ from the defaults."""
    req.enforce("update_quota")
    wanted = listing.read(req, "quota", sortable=False)
    page = req.svc.quotas.list_quotas(wanted.query)
    return listing.answer(req, "quota", "quotas", page, wanted, key="project_id")


@router.get("/v2.0/quotas/{project_id}")
def show_quota(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a project's quotas."""
    project = req.params["project_id"]
    req.enforce("get_quota", {"project_id": project})
    return {"quota": req.svc.quotas.get_quota(project)}


@router.get("/v2.0/quotas/{project_id}/default")
def show_default_quota(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show the default quotas."""
    req.enforce("get_quota", {"project_id": req.params["project_id"]})
    return {"quota": req.svc.quotas.defaults}


@router.get("/v2.0/quotas/{project_id}/details")
def show_quota_details(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a project's quotas with what it uses."""
    project = req.params["project_id"]
    req.enforce("get_quota", {"project_id": project})
    return {"quota": req.svc.quotas.quota_details(project)}


@router.put("/v2.0/quotas/{project_id}", body=schemas.UPDATE)
def update_quota(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Set some of a project's quotas."""
    project = req.params["project_id"]
    req.enforce("update_quota", {"project_id": project})
    limits = shape.updated(req, "quota", {**schemas.ATTRIBUTES, **schemas.FLAGS})
    check = bool(limits.pop("check_limit", False))
    limits.pop("force", None)
    return {"quota": req.svc.quotas.update_quota(project, limits, check_limit=check)}


@router.delete("/v2.0/quotas/{project_id}", status=204)
def delete_quota(req: ApiRequest[NetworkState]) -> Reply:
    """Put a project's quotas back to the defaults."""
    req.enforce("delete_quota", {"project_id": req.params["project_id"]})
    req.svc.quotas.delete_quota(req.params["project_id"])
    return Reply(None, 204)
