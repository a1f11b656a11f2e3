"""``/limits``: the caller's project's quotas and what it uses of them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()


@router.get(f"{V}/limits")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the rate and absolute limits."""
    req.enforce("os_compute_api:limits")
    used = req.svc.servers.usage(str(req.ctx.project_id))
    quotas = req.svc.quotas.limits(str(req.ctx.project_id))
    absolute: dict[str, Any] = {
        "maxTotalInstances": quotas["instances"], "maxTotalCores": quotas["cores"],
        "maxTotalRAMSize": quotas["ram"], "maxTotalKeypairs": quotas["key_pairs"],
        "maxServerMeta": quotas["metadata_items"], "maxImageMeta": quotas["metadata_items"],
        "maxServerGroups": quotas["server_groups"],
        "maxServerGroupMembers": quotas["server_group_members"],
        "totalInstancesUsed": used["instances"],
        "totalCoresUsed": used["cores"],
        "totalRAMUsed": used["ram"],
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
