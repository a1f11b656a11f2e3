"""/v2.0/trunks and their subport actions (Neutron's ``trunk`` extension)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import trunks as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/trunks"


@router.get(BASE, query=schemas.LIST_QUERY)
def list_trunks(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List trunks."""
    req.enforce("get_trunk")
    wanted = listing.read(req, "trunk")
    page = req.svc.trunks.list_trunks(req.ctx, wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "trunk", "trunks", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE, faults=(404, 409))
def create_trunk(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a trunk on a parent port, with subports or none, or several trunks."""
    parsed, bulk = shape.created(req, "trunk", "trunks", schemas.ATTRIBUTES)
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        shape.enforce_attrs(req, "create_trunk", attrs, target)
    trunks = req.svc.trunks
    made = shape.create_all(parsed, lambda attrs: trunks.create_trunk(req.ctx, attrs),
                            lambda trunk_id: trunks.delete_trunk(RequestContext.admin(),
                                                                 trunk_id))
    return {"trunks": made} if bulk else {"trunk": made[0]}


def _trunk(req: ApiRequest[NetworkState], action: str) -> dict[str, Any]:
    item = req.svc.trunks.get_trunk(req.ctx, req.params["trunk_id"])
    req.enforce(action, item)
    return item


@router.get(BASE + "/{trunk_id}", query=SHOW_QUERY, faults=(404,))
def show_trunk(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a trunk."""
    return shape.show(req, "trunk", _trunk(req, "get_trunk"))


@router.put(BASE + "/{trunk_id}", body=schemas.UPDATE, faults=(404,))
def update_trunk(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Rename, describe, enable or disable a trunk."""
    attrs = shape.updated(req, "trunk", schemas.ATTRIBUTES)
    item = req.svc.trunks.get_trunk(req.ctx, req.params["trunk_id"])
    shape.enforce_attrs(req, "update_trunk", attrs, item)
    return shape.show(req, "trunk", req.svc.trunks.update_trunk(req.ctx, item["id"], attrs))


@router.delete(BASE + "/{trunk_id}", status=204, faults=(404, 409))
def delete_trunk(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a trunk; its subports stay, as plain ports."""
    item = _trunk(req, "delete_trunk")
    req.svc.trunks.delete_trunk(req.ctx, item["id"])
    return Reply(None, 204)


@router.get(BASE + "/{trunk_id}/get_subports", faults=(404,))
def get_subports(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List a trunk's subports."""
    item = _trunk(req, "get_subports")
    return {"sub_ports": req.svc.trunks.get_subports(req.ctx, item["id"])}


@router.put(BASE + "/{trunk_id}/add_subports", body=schemas.SUBPORTS, faults=(404, 409))
def add_subports(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add subports to a trunk."""
    item = _trunk(req, "add_subports")
    return req.svc.trunks.add_subports(req.ctx, item["id"], req.json["sub_ports"])


@router.put(BASE + "/{trunk_id}/remove_subports", body=schemas.REMOVED, faults=(404, 409))
def remove_subports(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Take subports off a trunk."""
    item = _trunk(req, "remove_subports")
    return req.svc.trunks.remove_subports(req.ctx, item["id"], req.json["sub_ports"])
