"""/v2.0/quotas"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network import constants as c
from nimbus.network.api import common
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas import convert as cv

router = Router()


@router.get("/v2.0/quotas")
def list_quotas(req: ApiRequest) -> dict[str, Any]:
    req.enforce("update_quota")
    return {"quotas": req.svc.manager.list_quotas()}


@router.get("/v2.0/quotas/{project_id}")
def show_quota(req: ApiRequest) -> dict[str, Any]:
    project = req.params["project_id"]
    req.enforce("get_quota", {"project_id": project})
    return {"quota": req.svc.manager.get_quota(project)}


@router.get("/v2.0/quotas/{project_id}/default")
def show_default_quota(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_quota", {"project_id": req.params["project_id"]})
    return {"quota": dict(c.DEFAULT_QUOTAS)}


@router.get("/v2.0/quotas/{project_id}/details")
def show_quota_details(req: ApiRequest) -> dict[str, Any]:
    project = req.params["project_id"]
    req.enforce("get_quota", {"project_id": project})
    return {"quota": req.svc.manager.quota_details(project)}


@router.put("/v2.0/quotas/{project_id}")
def update_quota(req: ApiRequest) -> dict[str, Any]:
    project = req.params["project_id"]
    req.enforce("update_quota", {"project_id": project})
    body = common.update_body(req, "quota")
    limits = {}
    for key, value in body.items():
        if key not in c.DEFAULT_QUOTAS:
            raise HTTPBadRequest(f"Unrecognized attribute(s) '{key}'")
        limits[key] = cv.integer(minimum=-1)(key, value)
    return {"quota": req.svc.manager.update_quota(project, limits)}


@router.delete("/v2.0/quotas/{project_id}", status=204)
def delete_quota(req: ApiRequest) -> Reply:
    req.enforce("delete_quota", {"project_id": req.params["project_id"]})
    req.svc.manager.delete_quota(req.params["project_id"])
    return Reply(None, 204)
