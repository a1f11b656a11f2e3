"""``/flavors/{id}/os-extra_specs``: a flavor's extra specs."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import flavors as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()
SPECS = f"{V}/flavors/{{flavor_id}}/os-extra_specs"


def _as_strings(specs: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in specs.items()}


@router.get(SPECS)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a flavor's extra specs."""
    req.enforce("os_compute_api:os-flavor-extra-specs:index")
    flavor = req.svc.flavors.visible(req.params["flavor_id"], req.ctx.is_admin,
                                     req.ctx.project_id)
    return {"extra_specs": dict(flavor.extra_specs or {})}


@router.post(SPECS, body=schemas.EXTRA_SPECS_BODY)
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Add or change extra specs, keeping the others."""
    req.enforce("os_compute_api:os-flavor-extra-specs:create")
    specs = _as_strings(req.json["extra_specs"])
    req.svc.flavors.set_extra_specs(req.params["flavor_id"], specs)
    return {"extra_specs": specs}


@router.get(f"{SPECS}/{{key}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one extra spec."""
    req.enforce("os_compute_api:os-flavor-extra-specs:show")
    specs = req.svc.flavors.visible(req.params["flavor_id"], req.ctx.is_admin,
                                    req.ctx.project_id).extra_specs or {}
    key = req.params["key"]
    if key not in specs:
        raise NotFound(f"Flavor {req.params['flavor_id']} has no extra specs with key {key}.")
    return {key: specs[key]}


@router.put(f"{SPECS}/{{key}}", body=schemas.EXTRA_SPECS)
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Set one extra spec."""
    req.enforce("os_compute_api:os-flavor-extra-specs:update")
    specs = _as_strings(req.json)
    if list(specs) != [req.params["key"]]:
        raise BadRequest("Request body and URI mismatch")
    req.svc.flavors.set_extra_specs(req.params["flavor_id"], specs)
    return specs


@router.delete(f"{SPECS}/{{key}}")
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Delete one extra spec."""
    req.enforce("os_compute_api:os-flavor-extra-specs:delete")
    req.svc.flavors.delete_extra_spec(req.params["flavor_id"], req.params["key"])
    return Reply(None, status=200)
