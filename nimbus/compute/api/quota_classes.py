"""``/os-quota-class-sets``: the quota classes' limits; the ``default`` class's are the
defaults every project starts from."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.manager.quotas import DEFAULT_QUOTAS, FILE_QUOTAS, LEGACY_QUOTAS
from nimbus.compute.schemas import quota_sets as schemas
from nimbus.compute.schemas.common import bounded_int
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()
CLASS = f"{V}/os-quota-class-sets/{{class_name}}"
# Before 2.50 a quota class did not show these two.
_GROUP_QUOTAS = ("server_groups", "server_group_members")


def _shown(req: ApiRequest[ComputeState], limits: dict[str, int]) -> dict[str, int]:
    """The limits the request's microversion shows: the server group ones from 2.50, network
    ones until 2.50, injected files until 2.57."""
    names = [n for n in DEFAULT_QUOTAS if req.at_least("2.50") or n not in _GROUP_QUOTAS]
    if not req.at_least("2.50"):
        names += list(LEGACY_QUOTAS)
    if not req.at_least("2.57"):
        names += list(FILE_QUOTAS)
    return {name: limits[name] for name in names}


@router.get(CLASS, params=schemas.CLASS_IN_PATH,
            policy="os_compute_api:os-quota-class-sets:show")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a quota class's limits (admin)."""
    name = req.params["class_name"]
    return {"quota_class_set": {"id": name, **_shown(req, req.svc.quotas.class_limits(name))}}


@router.put(CLASS, body=schemas.CLASS_UPDATE, params=schemas.CLASS_IN_PATH,
            policy="os_compute_api:os-quota-class-sets:update")
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Change a quota class's limits (admin)."""
    values = {key: bounded_int(key, value, minimum=-1)
              for key, value in req.json["quota_class_set"].items()}
    limits = req.svc.quotas.update_class(req.params["class_name"], values)
    return {"quota_class_set": _shown(req, limits)}
