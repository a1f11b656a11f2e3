"""Limits, quota sets and availability zones: what the openstack CLI asks for at start."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.quotas import DEFAULTS

router = VolumeRouter()


@router.get("/limits")
def limits(req: ApiRequest) -> dict[str, Any]:
    req.enforce("limits_extension:used_limits")
    project = str(req.ctx.project_id)
    hard, used = req.svc.quotas.get(project), req.svc.quotas.usage(project)
    return {"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": hard["volumes"],
        "maxTotalSnapshots": hard["snapshots"],
        "maxTotalVolumeGigabytes": hard["gigabytes"],
        "maxTotalBackups": hard["backups"],
        "maxTotalBackupGigabytes": hard["backup_gigabytes"],
        "totalVolumesUsed": used["volumes"],
        "totalSnapshotsUsed": used["snapshots"],
        "totalGigabytesUsed": used["gigabytes"],
        "totalBackupsUsed": 0,
        "totalBackupGigabytesUsed": 0,
    }}}


def _quota_set(project_id: str, hard: dict[str, int], used: dict[str, int] | None,
               type_names: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id}
    for key, value in hard.items():
        body[key] = ({"limit": value, "in_use": used.get(key, 0), "reserved": 0, "allocated": 0}
                     if used is not None else value)
    for name in type_names:
        for res in ("volumes", "snapshots", "gigabytes"):
            body[f"{res}_{name}"] = ({"limit": -1, "in_use": 0, "reserved": 0, "allocated": 0}
                                     if used is not None else -1)
    return body


def _types(req: ApiRequest) -> list[str]:
    return [t["name"] for t in req.svc.types.list(True)]


@router.get("/os-quota-sets/{target_project}/defaults")
def quota_defaults(req: ApiRequest) -> dict[str, Any]:
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:show", target={"project_id": target})
    return {"quota_set": _quota_set(target, dict(DEFAULTS), None, _types(req))}


@router.get("/os-quota-sets/{target_project}")
def quota_show(req: ApiRequest) -> dict[str, Any]:
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:show", target={"project_id": target})
    usage = req.query_bool("usage") or False
    used = req.svc.quotas.usage(target) if usage else None
    return {"quota_set": _quota_set(target, req.svc.quotas.get(target), used, _types(req))}


@router.put("/os-quota-sets/{target_project}")
def quota_update(req: ApiRequest) -> dict[str, Any]:
    target = req.params["target_project"]
    body = req.body_dict("quota_set")
    req.enforce("volume_extension:quotas:update", target={"project_id": target})
    values: dict[str, int] = {}
    for key, value in body.items():
        if key in ("tenant_id", "id"):
            continue
        if key not in DEFAULTS:
            if any(key.startswith(f"{r}_") for r in ("volumes", "snapshots", "gigabytes")):
                continue
            raise BadRequest(f"Bad key(s) in quota set: {key}")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise BadRequest(f"Quota limit for {key} must be an integer.")
        try:
            number = int(value)
        except ValueError:
            raise BadRequest(f"Quota limit for {key} must be an integer.") from None
        if number < -1:
            raise BadRequest(f"Quota limit for {key} must be -1 or greater.")
        values[key] = number
    hard = req.svc.quotas.update(target, values)
    return {"quota_set": {k: v for k, v in _quota_set(target, hard, None, []).items()
                          if k != "id"}}


@router.delete("/os-quota-sets/{target_project}")
def quota_delete(req: ApiRequest) -> Reply:
    target = req.params["target_project"]
    req.enforce("volume_extension:quotas:delete", target={"project_id": target})
    req.svc.quotas.reset(target)
    return Reply(None, status=200)


@router.get("/os-availability-zone")
def availability_zones(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:availability_zone_list")
    return {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True}}]}
