"""``/os-quota-sets``: the fixed quotas every project has."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()

DEFAULT_QUOTAS = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100,
                  "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
# Quotas the API stopped showing: network ones at 2.36, injected files at 2.57.
LEGACY_QUOTAS = {"fixed_ips": -1, "floating_ips": 10, "security_groups": 10,
                 "security_group_rules": 20}
FILE_QUOTAS = {"injected_files": 5, "injected_file_content_bytes": 10240,
               "injected_file_path_bytes": 255}


def quota_set(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    quotas = dict(DEFAULT_QUOTAS)
    if not req.at_least("2.36"):
        quotas.update(LEGACY_QUOTAS)
    if not req.at_least("2.57"):
        quotas.update(FILE_QUOTAS)
    return quotas


@router.get(f"{V}/os-quota-sets/{{project_id}}/defaults")
def defaults(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the default quotas."""
    req.enforce("os_compute_api:os-quota-sets:defaults")
    return {"quota_set": {"id": req.params["project_id"], **quota_set(req)}}


@router.get(f"{V}/os-quota-sets/{{project_id}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a project's quotas."""
    req.enforce("os_compute_api:os-quota-sets:show", {"project_id": req.params["project_id"]})
    return {"quota_set": {"id": req.params["project_id"], **quota_set(req)}}
