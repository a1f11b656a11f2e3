"""/resource_providers: list, create, show, update and delete providers."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement.api.common import path_uuid, provider_body, provider_url
from nimbus.placement.api.query import check_query, group_from_query
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.manager.providers import ProviderQuery
from nimbus.placement.schemas import providers as schemas
from nimbus.placement.schemas import queries
from nimbus.placement.state import PlacementState

router = Router()


def _allowed_filters(req: ApiRequest[PlacementState]) -> set[str]:
    allowed = {"name", "uuid"}
    for name, since in (("member_of", "1.3"), ("resources", "1.4"), ("in_tree", "1.14"),
                        ("required", "1.18")):
        if req.at_least(since):
            allowed.add(name)
    return allowed


@router.get("/resource_providers", query=queries.PROVIDERS, policy="placement:resource_providers:list")
def list_providers(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List resource providers, filtered by name, uuid, tree, resources, traits, aggregates."""
    allowed = _allowed_filters(req)
    check_query(req, allowed, repeatable={"member_of", "required"})
    query = ProviderQuery(name=req.args.get("name"))
    if req.args.get("uuid") is not None:
        try:
            query.uuid = normalise_uuid(req.args["uuid"])
        except errors.BadRequest:
            raise errors.BadRequest(f"Invalid query string parameters: '{req.args['uuid']}' is "
                                    f"not a 'uuid'") from None
    if allowed & set(req.query.keys()) - {"name", "uuid"}:
        query.group = group_from_query(req)
    found = req.svc.providers.find(query)
    return {"resource_providers": [provider_body(req, rp) for rp in found]}


@router.post("/resource_providers", also=(201,), body=schemas.CREATE, faults=(409,),
             policy="placement:resource_providers:create")
def create_provider(req: ApiRequest[PlacementState]) -> Reply:
    """Create a resource provider (answered with its body from 1.20)."""
    data = req.json
    uuid = normalise_uuid(data["uuid"]) if data.get("uuid") else None
    parent = data.get("parent_provider_uuid")
    rp = req.svc.providers.create(data["name"], uuid,
                                  normalise_uuid(parent) if parent else None)
    location = {"Location": provider_url(req, rp.uuid)}
    if req.at_least("1.20"):
        return Reply(provider_body(req, rp), 200, location)
    return Reply(None, 201, location)


@router.get("/resource_providers/{uuid}", policy="placement:resource_providers:show")
def show_provider(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Show a resource provider."""
    return provider_body(req, req.svc.providers.get(path_uuid(req)))


@router.put("/resource_providers/{uuid}", body=schemas.UPDATE, faults=(409,),
            policy="placement:resource_providers:update")
def update_provider(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Rename a resource provider, or give it a parent (moving it needs 1.37)."""
    data = req.json
    parent = data.get("parent_provider_uuid")
    rp = req.svc.providers.update(path_uuid(req), data["name"],
                                  normalise_uuid(parent) if parent else None,
                                  set_parent="parent_provider_uuid" in data,
                                  may_move=req.at_least("1.37"))
    return provider_body(req, rp)


@router.delete("/resource_providers/{uuid}", status=204, faults=(409,),
               policy="placement:resource_providers:delete")
def delete_provider(req: ApiRequest[PlacementState]) -> None:
    """Delete a resource provider with no allocations and no children."""
    req.svc.providers.delete(path_uuid(req))
