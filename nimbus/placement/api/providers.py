"""/resource_providers: list, create, show, update and delete providers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement.api.common import (
    body,
    check_query,
    enforce,
    group_from_query,
    path_uuid,
    provider_body,
    provider_url,
)
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.manager.providers import ProviderQuery
from nimbus.placement.schemas import providers as schemas

router = Router()


def _allowed_filters(req: ApiRequest) -> set[str]:
    allowed = {"name", "uuid"}
    for name, since in (("member_of", "1.3"), ("resources", "1.4"), ("in_tree", "1.14"),
                        ("required", "1.18")):
        if req.at_least(since):
            allowed.add(name)
    return allowed


@router.get("/resource_providers")
def list_providers(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:list")
    allowed = _allowed_filters(req)
    check_query(req, allowed, repeatable={"member_of"} if req.at_least("1.24") else set())
    query = ProviderQuery(name=req.query.get("name"))
    if req.query.get("uuid") is not None:
        query.uuid = normalise_uuid(req.query["uuid"])
    if allowed & set(req.query.keys()) - {"name", "uuid"}:
        query.group = group_from_query(req)
    found = req.svc.providers.find(query)
    return {"resource_providers": [provider_body(req, rp) for rp in found]}


@router.post("/resource_providers")
def create_provider(req: ApiRequest) -> Reply:
    enforce(req, "resource_providers:create")
    data = body(req, schemas.provider_create(req.at_least("1.14")))
    uuid = normalise_uuid(data["uuid"]) if data.get("uuid") else None
    parent = data.get("parent_provider_uuid")
    rp = req.svc.providers.create(data["name"], uuid,
                                  normalise_uuid(parent) if parent else None)
    location = {"Location": provider_url(req, rp.uuid)}
    if req.at_least("1.20"):
        return Reply(provider_body(req, rp), 200, location)
    return Reply(None, 201, location)


@router.get("/resource_providers/{uuid}")
def show_provider(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:show")
    return provider_body(req, req.svc.providers.get(path_uuid(req)))


@router.put("/resource_providers/{uuid}")
def update_provider(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:update")
    data = body(req, schemas.provider_update(req.at_least("1.14")))
    parent = data.get("parent_provider_uuid")
    rp = req.svc.providers.update(path_uuid(req), data["name"],
                                  normalise_uuid(parent) if parent else None,
                                  set_parent="parent_provider_uuid" in data,
                                  may_move=req.at_least("1.37"))
    return provider_body(req, rp)


@router.delete("/resource_providers/{uuid}", status=204)
def delete_provider(req: ApiRequest) -> None:
    enforce(req, "resource_providers:delete")
    req.svc.providers.delete(path_uuid(req))
