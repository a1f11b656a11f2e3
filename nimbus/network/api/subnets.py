"""/v2.0/subnets"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import subnets as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()


def _target(req: ApiRequest[NetworkState], subnet: dict[str, Any], create: bool = False) -> dict[str, Any]:
    return shape.network_target(req, subnet, as_caller=create)


@router.get("/v2.0/subnets", query=schemas.LIST_QUERY)
def list_subnets(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List subnets."""
    req.enforce("get_subnet")
    wanted = listing.read(req, "subnet")
    page = req.svc.subnets.list_subnets(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "subnet", "subnets", page, wanted)


@router.post("/v2.0/subnets", status=201, body=schemas.CREATE, faults=(404, 409))
def create_subnet(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a subnet, or several."""
    parsed, bulk = shape.created(req, "subnet", "subnets", schemas.ATTRIBUTES)
    for attrs in parsed:
        shape.enforce_attrs(req, "create_subnet", attrs, _target(req, attrs, create=True))
    subnets = req.svc.subnets
    made = shape.create_all(parsed, lambda attrs: subnets.create_subnet(req.ctx, attrs),
                            lambda subnet_id: subnets.delete_subnet(req.ctx, subnet_id))
    return {"subnets": made} if bulk else {"subnet": made[0]}


@router.get("/v2.0/subnets/{subnet_id}", query=SHOW_QUERY)
def show_subnet(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a subnet."""
    subnet = req.svc.subnets.get_subnet(req.ctx, req.params["subnet_id"])
    req.enforce("get_subnet", _target(req, subnet))
    return shape.show(req, "subnet", subnet)


@router.put("/v2.0/subnets/{subnet_id}", body=schemas.UPDATE)
def update_subnet(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Update a subnet."""
    attrs = shape.updated(req, "subnet", schemas.ATTRIBUTES)
    subnet = req.svc.subnets.get_subnet(req.ctx, req.params["subnet_id"])
    shape.enforce_attrs(req, "update_subnet", attrs, _target(req, subnet))
    return shape.show(req, "subnet", req.svc.subnets.update_subnet(req.ctx, subnet["id"], attrs))


@router.delete("/v2.0/subnets/{subnet_id}", status=204, faults=(409,))
def delete_subnet(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a subnet."""
    subnet = req.svc.subnets.get_subnet(req.ctx, req.params["subnet_id"])
    req.enforce("delete_subnet", _target(req, subnet))
    req.svc.subnets.delete_subnet(req.ctx, subnet["id"])
    return Reply(None, 204)
