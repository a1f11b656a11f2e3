"""Private flavors: who may use them (``os-flavor-access``), and granting or revoking it."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import flavor_access as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest

router = Router()


@router.get(f"{V}/flavors/{{flavor_id}}/os-flavor-access")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the projects a private flavor is granted to."""
    req.enforce("os_compute_api:os-flavor-access")
    flavorid = req.params["flavor_id"]
    return schemas.access_list(flavorid, req.svc.flavors.access(flavorid))


@router.post(f"{V}/flavors/{{flavor_id}}/action", body=schemas.ACTION, faults=(409,))
def action(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Grant or revoke a project's access to a private flavor."""
    name, args = next(iter(req.json.items()))
    flavorid = req.params["flavor_id"]
    manager = req.svc.flavors
    if name == "addTenantAccess":
        req.enforce("os_compute_api:os-flavor-access:add_tenant_access")
        # Before 2.7 a public flavor took grants, which meant nothing.
        projects = manager.grant(flavorid, args["tenant"], refuse_public=req.at_least("2.7"))
    elif name == "removeTenantAccess":
        req.enforce("os_compute_api:os-flavor-access:remove_tenant_access")
        projects = manager.revoke(flavorid, args["tenant"])
    else:
        req.enforce("os_compute_api:os-flavor-access")
        raise BadRequest(f"There is no such action: {name}")
    return schemas.access_list(flavorid, projects)
