"""Quota sets: a project's limits, their defaults, and what it uses of them."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import quotas as schema
from nimbus.volume.state import VolumeState

# Cinder keeps quotas in 32-bit integer columns.
MAX_QUOTA = 2 ** 31 - 1
router = VolumeRouter()


@router.get("/os-quota-sets/{target_project}/defaults", params=schema.TARGET)
def quota_defaults(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Cinder's default quotas."""
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:show", target={"project_id": target})
    # The ``default`` quota class (os-quota-class-sets) holds them.
    return {"quota_set": schema.view(target, req.svc.quotas.class_limits("default"), None,
                                     req.svc.types.names())}


@router.get("/os-quota-sets/{target_project}", query=schema.SHOW_QUERY, params=schema.TARGET)
def quota_show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """A project's quotas (with ``usage=true``, what it uses of each)."""
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:show", target={"project_id": target})
    used = req.svc.quotas.usage(target) if req.args.get("usage") else None
    return {"quota_set": schema.view(target, req.svc.quotas.get(target), used,
                                    req.svc.types.names())}


@router.put("/os-quota-sets/{target_project}", body=schema.UPDATE, query=schema.UPDATE_QUERY,
            params=schema.TARGET)
def quota_update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Change a project's quotas."""
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:update", target={"project_id": target})
    known = req.svc.quotas.resource_names()
    sent = {key: value for key, value in req.json["quota_set"].items()
            if key not in ("id", "tenant_id")}
    bad = sorted(key for key in sent if key not in known)
    if bad:
        raise InvalidInput(reason=f"Bad key(s) in quota set: {','.join(bad)}")
    values = {key: int(str(value).strip()) for key, value in sent.items()}
    for key, value in values.items():
        if value > MAX_QUOTA:
            raise InvalidInput(reason=f"Quota limit {value} for {key} must be less than "
                                      f"or equal to {MAX_QUOTA}.")
    validate = req.args.get("skip_validation") is False
    hard = req.svc.quotas.update(target, values, validate=validate)
    return {"quota_set": {k: v for k, v in schema.view(target, hard, None,
                                                       req.svc.types.names()).items()
                          if k != "id"}}


@router.delete("/os-quota-sets/{target_project}", params=schema.TARGET)
def quota_delete(req: ApiRequest[VolumeState]) -> Reply:
    """Forget a project's own quotas: the defaults apply again."""
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:delete", target={"project_id": target})
    req.svc.quotas.reset(target)
    return Reply(None, status=200)
