"""/v2.0/address-scopes and /v2.0/subnetpools: where subnets' addresses come from."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import addressing as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
SCOPES = "/v2.0/address-scopes"
POOLS = "/v2.0/subnetpools"


@router.get(SCOPES, query=schemas.LIST_SCOPES)
def list_scopes(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the address scopes the caller sees: its project's and the shared ones."""
    req.enforce("get_address_scope")
    wanted = listing.read(req, "address_scope")
    page = req.svc.address_scopes.list_scopes(req.ctx, wanted.query, wanted.filters,
                                              wanted.hidden)
    return listing.answer(req, "address_scope", "address_scopes", page, wanted)


@router.post(SCOPES, status=201, body=schemas.CREATE_SCOPE, faults=(409,))
def create_scope(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create an address scope."""
    [attrs], _ = shape.created(req, "address_scope", "address_scopes", schemas.ADDRESS_SCOPE)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    shape.enforce_attrs(req, "create_address_scope", attrs, target)
    return {"address_scope": req.svc.address_scopes.create_scope(req.ctx, attrs)}


@router.get(SCOPES + "/{scope_id}", query=SHOW_QUERY, faults=(404,))
def show_scope(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show an address scope."""
    item = req.svc.address_scopes.get_scope(req.ctx, req.params["scope_id"])
    req.enforce("get_address_scope", item)
    return shape.show(req, "address_scope", item)


@router.put(SCOPES + "/{scope_id}", body=schemas.UPDATE_SCOPE, faults=(404,))
def update_scope(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Rename, describe or share an address scope."""
    attrs = shape.updated(req, "address_scope", schemas.ADDRESS_SCOPE)
    item = req.svc.address_scopes.get_scope(req.ctx, req.params["scope_id"])
    shape.enforce_attrs(req, "update_address_scope", attrs, item)
    return shape.show(req, "address_scope",
                      req.svc.address_scopes.update_scope(req.ctx, item["id"], attrs))


@router.delete(SCOPES + "/{scope_id}", status=204, faults=(404, 409))
def delete_scope(req: ApiRequest[NetworkState]) -> Reply:
    """Delete an address scope no subnet pool is in."""
    item = req.svc.address_scopes.get_scope(req.ctx, req.params["scope_id"])
    req.enforce("delete_address_scope", item)
    req.svc.address_scopes.delete_scope(req.ctx, item["id"])
    return Reply(None, 204)


@router.get(POOLS, query=schemas.LIST_POOLS)
def list_pools(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the subnet pools the caller sees: its project's and the shared ones."""
    req.enforce("get_subnetpool")
    wanted = listing.read(req, "subnetpool")
    page = req.svc.subnet_pools.list_pools(req.ctx, wanted.query, wanted.filters,
                                           wanted.hidden)
    return listing.answer(req, "subnetpool", "subnetpools", page, wanted)


@router.post(POOLS, status=201, body=schemas.CREATE_POOL, faults=(409,))
def create_pool(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a subnet pool."""
    [attrs], _ = shape.created(req, "subnetpool", "subnetpools", schemas.SUBNET_POOL)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    shape.enforce_attrs(req, "create_subnetpool", attrs, target)
    return {"subnetpool": req.svc.subnet_pools.create_pool(req.ctx, attrs)}


@router.get(POOLS + "/{pool_id}", query=SHOW_QUERY, faults=(404,))
def show_pool(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a subnet pool."""
    item = req.svc.subnet_pools.get_pool(req.ctx, req.params["pool_id"])
    req.enforce("get_subnetpool", item)
    return shape.show(req, "subnetpool", item)


@router.put(POOLS + "/{pool_id}", body=schemas.UPDATE_POOL, faults=(404, 409))
def update_pool(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Change a subnet pool: grow its prefixes, bounds, quota, scope or default."""
    attrs = shape.updated(req, "subnetpool", schemas.SUBNET_POOL)
    item = req.svc.subnet_pools.get_pool(req.ctx, req.params["pool_id"])
    shape.enforce_attrs(req, "update_subnetpool", attrs, item)
    return shape.show(req, "subnetpool",
                      req.svc.subnet_pools.update_pool(req.ctx, item["id"], attrs))


@router.delete(POOLS + "/{pool_id}", status=204, faults=(404, 409))
def delete_pool(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a subnet pool no subnet was allocated from."""
    item = req.svc.subnet_pools.get_pool(req.ctx, req.params["pool_id"])
    req.enforce("delete_subnetpool", item)
    req.svc.subnet_pools.delete_pool(req.ctx, item["id"])
    return Reply(None, 204)
