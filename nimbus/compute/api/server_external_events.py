"""``/os-server-external-events``: events from the network and volume services."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import server_external_events as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import NotFound

router = Router()


@router.post(f"{V}/os-server-external-events", body=schemas.CREATE, status=200,
             also=(207,), faults=(404,), policy="os_compute_api:os-server-external-events:create")
def create(req: ApiRequest[ComputeState]) -> Reply:
    """Accept events about servers; each comes back with its own code."""
    results, status = req.svc.external_events.handle(req.json["events"],
                                                       req.ctx.to_dict())
    if status == 404:
        raise NotFound("No instances found for any event")
    body: dict[str, Any] = {"events": results}
    return Reply(body, status)
