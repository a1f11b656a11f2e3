"""/v2.0/auto-allocated-topology/{project_id}: Neutron's ``auto-allocated-topology``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/auto-allocated-topology/{project_id}"


@router.get(BASE, query=SHOW_QUERY, faults=(409,))
def get_topology(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The project's network, made with its subnets and router the first time it is asked
    for; ``fields=dry-run`` only checks that one could be made."""
    project_id = req.params["project_id"]
    req.enforce("get_auto_allocated_topology", {"project_id": project_id})
    dry_run = "dry-run" in shape.fields_of(req)
    return {"auto_allocated_topology": req.svc.auto_allocation.get(req.ctx, project_id,
                                                                   dry_run=dry_run)}


@router.delete(BASE, status=204, faults=(404,))
def delete_topology(req: ApiRequest[NetworkState]) -> Reply:
    """Delete the project's auto-allocated network and router."""
    project_id = req.params["project_id"]
    req.enforce("delete_auto_allocated_topology", {"project_id": project_id})
    req.svc.auto_allocation.delete(req.ctx, project_id)
    return Reply(None, 204)
