"""/v2.0/address-groups and their address actions (Neutron's ``address-group``)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import address_groups as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/address-groups"
RESOURCE = "address_group"


@router.get(BASE, query=schemas.LIST_QUERY)
def list_groups(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the address groups the caller sees: its project's and those shared with it."""
    req.enforce("get_address_group")
    wanted = listing.read(req, RESOURCE)
    page = req.svc.address_groups.list_groups(req.ctx, wanted.query, wanted.filters,
                                              wanted.hidden)
    return listing.answer(req, RESOURCE, "address_groups", page, wanted)


@router.post(BASE, status=201, body=schemas.CREATE)
def create_group(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create an address group, with addresses or none, or several groups."""
    parsed, bulk = shape.created(req, RESOURCE, "address_groups", schemas.ATTRIBUTES)
    for attrs in parsed:
        target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
        shape.enforce_attrs(req, "create_address_group", attrs, target)
    groups = req.svc.address_groups
    made = shape.create_all(parsed, lambda attrs: groups.create_group(req.ctx, attrs),
                            lambda group_id: groups.delete_group(RequestContext.admin(),
                                                                 group_id))
    return {"address_groups": made} if bulk else {RESOURCE: made[0]}


def _group(req: ApiRequest[NetworkState], action: str) -> dict[str, Any]:
    """The group, once ``action`` is allowed on it: a caller who may not even read it is told
    it is not there (404); one it is shared with may read it, nothing more (403)."""
    groups = req.svc.address_groups
    item = groups.get_group(req.ctx, req.params["group_id"])
    target = {**item, "shared": groups.shared_with(req.ctx, item["id"])}
    shape.enforce_seen(req, action, target, seen="get_address_group")
    return item


@router.get(BASE + "/{group_id}", query=SHOW_QUERY, faults=(404,))
def show_group(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show an address group."""
    return shape.show(req, RESOURCE, _group(req, "get_address_group"))


@router.put(BASE + "/{group_id}", body=schemas.UPDATE, faults=(404,))
def update_group(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Rename or describe an address group (its addresses change by the actions)."""
    attrs = shape.updated(req, RESOURCE, schemas.ATTRIBUTES)
    item = _group(req, "update_address_group")
    return shape.show(req, RESOURCE,
                      req.svc.address_groups.update_group(req.ctx, item["id"], attrs))


@router.delete(BASE + "/{group_id}", status=204, faults=(404, 409))
def delete_group(req: ApiRequest[NetworkState]) -> Reply:
    """Delete an address group no security group rule names."""
    item = _group(req, "delete_address_group")
    req.svc.address_groups.delete_group(req.ctx, item["id"])
    return Reply(None, 204)


def _addresses(req: ApiRequest[NetworkState]) -> list[str]:
    return [schemas.action_address("addresses", a) for a in req.json["addresses"]]


@router.put(BASE + "/{group_id}/add_addresses", body=schemas.ADDRESSES, faults=(404,))
def add_addresses(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add prefixes to a group, all or none (400 when it has one already)."""
    addresses = _addresses(req)
    item = _group(req, "add_addresses")
    return {RESOURCE: req.svc.address_groups.add_addresses(req.ctx, item["id"], addresses)}


@router.put(BASE + "/{group_id}/remove_addresses", body=schemas.ADDRESSES, faults=(404,))
def remove_addresses(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Take prefixes from a group, all or none (404 when it lacks one)."""
    addresses = _addresses(req)
    item = _group(req, "remove_addresses")
    return {RESOURCE: req.svc.address_groups.remove_addresses(req.ctx, item["id"],
                                                              addresses)}
