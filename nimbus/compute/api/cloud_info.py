"""Cloud-wide views: os-services, os-hypervisors, os-availability-zone, limits, quota sets."""

from __future__ import annotations

import uuid
from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.db import api as dbapi
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.base import iso_micro

router = Router()
AGENT = "nova-compute"

DEFAULT_QUOTAS = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100,
                  "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
LEGACY_QUOTAS = {"fixed_ips": -1, "floating_ips": 10, "security_groups": 10,
                 "security_group_rules": 20}
FILE_QUOTAS = {"injected_files": 5, "injected_file_content_bytes": 10240,
               "injected_file_path_bytes": 255}


def _stable_id(binary: str, host: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nimbus:{binary}:{host}"))


def _services(req: ApiRequest) -> list[dict[str, Any]]:
    return [r for r in req.svc.cloud.registry.list() if r["binary"].startswith("nova-")]


@router.get(f"{V}/os-services")
def services(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-services:list")
    out = []
    for record in _services(req):
        if req.query.get("host") and record["host"] != req.query["host"]:
            continue
        if req.query.get("binary") and record["binary"] != req.query["binary"]:
            continue
        item: dict[str, Any] = {
            "id": _stable_id(record["binary"], record["host"]) if req.at_least("2.53")
            else record["id"],
            "binary": record["binary"], "host": record["host"],
            "zone": "nova" if record["binary"] == AGENT else "internal",
            "status": "disabled" if record["disabled"] else "enabled",
            "state": "up" if record["up"] else "down",
            "updated_at": iso_micro(record["updated_at"]),
            "disabled_reason": record["disabled_reason"],
        }
        if req.at_least("2.11"):
            item["forced_down"] = False
        out.append(item)
    return {"services": out}


@router.get(f"{V}/os-hypervisors")
def hypervisors(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-hypervisors:list")
    out = []
    for index, record in enumerate(r for r in _services(req) if r["binary"] == AGENT):
        out.append({"id": _stable_id("hypervisor", record["host"]) if req.at_least("2.53")
                    else index + 1,
                    "hypervisor_hostname": record["host"],
                    "state": "up" if record["up"] else "down",
                    "status": "disabled" if record["disabled"] else "enabled"})
    return {"hypervisors": out}


@router.get(f"{V}/os-availability-zone")
def zones(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-availability-zone:list")
    return {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True},
                                      "hosts": None}]}


@router.get(f"{V}/os-availability-zone/detail")
def zones_detail(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-availability-zone:detail")
    nova: dict[str, Any] = {}
    internal: dict[str, Any] = {}
    for record in _services(req):
        target = nova if record["binary"] == AGENT else internal
        target.setdefault(record["host"], {})[record["binary"]] = {
            "available": record["up"] and not record["disabled"],
            "active": not record["disabled"], "updated_at": iso_micro(record["updated_at"])}
    info = [{"zoneName": "nova", "zoneState": {"available": True}, "hosts": nova or None}]
    if internal:
        info.insert(0, {"zoneName": "internal", "zoneState": {"available": True},
                        "hosts": internal})
    return {"availabilityZoneInfo": info}


def _quota_set(req: ApiRequest) -> dict[str, Any]:
    quotas = dict(DEFAULT_QUOTAS)
    if not req.at_least("2.36"):
        quotas.update(LEGACY_QUOTAS)
    if not req.at_least("2.57"):
        quotas.update(FILE_QUOTAS)
    return quotas


@router.get(f"{V}/limits")
def limits(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:limits")
    rows = dbapi.query_instances(req.svc.db, project_id=req.ctx.project_id)
    quotas = _quota_set(req)
    absolute: dict[str, Any] = {
        "maxTotalInstances": quotas["instances"], "maxTotalCores": quotas["cores"],
        "maxTotalRAMSize": quotas["ram"], "maxTotalKeypairs": quotas["key_pairs"],
        "maxServerMeta": quotas["metadata_items"], "maxImageMeta": quotas["metadata_items"],
        "maxServerGroups": quotas["server_groups"],
        "maxServerGroupMembers": quotas["server_group_members"],
        "totalInstancesUsed": len(rows),
        "totalCoresUsed": sum(int((r.flavor or {}).get("vcpus", 0)) for r in rows),
        "totalRAMUsed": sum(int((r.flavor or {}).get("ram", 0)) for r in rows),
        "totalServerGroupsUsed": 0,
    }
    if not req.at_least("2.36"):
        absolute.update({"maxSecurityGroups": quotas["security_groups"],
                         "maxSecurityGroupRules": quotas["security_group_rules"],
                         "maxTotalFloatingIps": quotas["floating_ips"],
                         "totalFloatingIpsUsed": 0, "totalSecurityGroupsUsed": 0})
    if not req.at_least("2.57"):
        absolute.update({"maxPersonality": quotas["injected_files"],
                         "maxPersonalitySize": quotas["injected_file_content_bytes"]})
    return {"limits": {"rate": [], "absolute": absolute}}


@router.get(f"{V}/os-quota-sets/{{project_id}}/defaults")
def quota_defaults(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-quota-sets:defaults")
    return {"quota_set": {"id": req.params["project_id"], **_quota_set(req)}}


@router.get(f"{V}/os-quota-sets/{{project_id}}")
def quota_show(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-quota-sets:show", {"project_id": req.params["project_id"]})
    return {"quota_set": {"id": req.params["project_id"], **_quota_set(req)}}
