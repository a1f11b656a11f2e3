"""/v2.0/routers/{id}/conntrack_helpers: Neutron's ``l3-conntrack-helper``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import conntrack_helpers as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/routers/{router_id}/conntrack_helpers"
RESOURCE = "conntrack_helper"


def _router(req: ApiRequest[NetworkState], action: str) -> dict[str, Any]:
    """The router, whose owner the policy checks (Neutron's parent owner): a 404 when the
    caller cannot see it."""
    item = req.svc.routers.get_router(req.ctx, req.params["router_id"])
    req.enforce(action, {"project_id": item["project_id"]})
    return item


@router.get(BASE, query=schemas.LIST_QUERY, faults=(404,))
def list_helpers(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List a router's conntrack helpers."""
    item = _router(req, "get_router_conntrack_helper")
    wanted = listing.read(req, RESOURCE)
    page = req.svc.conntrack_helpers.list_helpers(req.ctx, item["id"], wanted.query,
                                                  wanted.filters, wanted.hidden)
    return listing.answer(req, RESOURCE, "conntrack_helpers", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE, faults=(404,))
def create_helper(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Have the kernel follow connections to a port through the router with a helper."""
    item = _router(req, "create_router_conntrack_helper")
    [attrs], _ = shape.created(req, RESOURCE, "conntrack_helpers", schemas.ATTRIBUTES)
    return {RESOURCE: req.svc.conntrack_helpers.create_helper(req.ctx, item["id"], attrs)}


@router.get(BASE + "/{helper_id}", query=SHOW_QUERY, faults=(404,))
def show_helper(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a conntrack helper."""
    item = _router(req, "get_router_conntrack_helper")
    return shape.show(req, RESOURCE, req.svc.conntrack_helpers.get_helper(
        req.ctx, item["id"], req.params["helper_id"]))


@router.put(BASE + "/{helper_id}", body=schemas.UPDATE, faults=(404,))
def update_helper(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Change a conntrack helper's protocol, port or helper."""
    item = _router(req, "update_router_conntrack_helper")
    attrs = shape.updated(req, RESOURCE, schemas.ATTRIBUTES)
    return shape.show(req, RESOURCE, req.svc.conntrack_helpers.update_helper(
        req.ctx, item["id"], req.params["helper_id"], attrs))


@router.delete(BASE + "/{helper_id}", status=204, faults=(404,))
def delete_helper(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a conntrack helper."""
    item = _router(req, "delete_router_conntrack_helper")
    req.svc.conntrack_helpers.delete_helper(req.ctx, item["id"], req.params["helper_id"])
    return Reply(None, 204)
