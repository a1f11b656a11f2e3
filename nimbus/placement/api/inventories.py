"""/resource_providers/{uuid}/inventories: what a provider has of each resource class."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement.api.common import body, enforce, path_uuid, provider_url, require_version
from nimbus.placement.schemas import inventories as schemas

router = Router()
BASE = "/resource_providers/{uuid}/inventories"


def _equal_ok(req: ApiRequest) -> bool:
    # 1.26 let reserved equal total (a provider fully reserved for maintenance).
    return req.at_least("1.26")


def _rc(req: ApiRequest) -> str:
    name: str = req.params["resource_class"]
    return name


@router.get(BASE)
def list_inventories(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:inventories:list")
    generation, invs = req.svc.inventories.get_all(path_uuid(req))
    return {"inventories": invs, "resource_provider_generation": generation}


@router.put(BASE)
def replace_inventories(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:inventories:update")
    data = body(req, schemas.ALL_INVENTORIES)
    generation, invs = req.svc.inventories.replace_all(
        path_uuid(req), data["resource_provider_generation"], data["inventories"],
        _equal_ok(req))
    return {"inventories": invs, "resource_provider_generation": generation}


@router.post(BASE)
def create_inventory(req: ApiRequest) -> Reply:
    enforce(req, "resource_providers:inventories:create")
    data = body(req, schemas.NEW_INVENTORY)
    uuid = path_uuid(req)
    rc = data.pop("resource_class")
    generation = data.pop("resource_provider_generation")
    new_generation, inv = req.svc.inventories.set_one(uuid, rc, generation, data,
                                                      _equal_ok(req), create=True)
    return Reply({**inv, "resource_provider_generation": new_generation}, 201,
                 {"Location": f"{provider_url(req, uuid)}/inventories/{rc}"})


@router.delete(BASE, status=204)
def delete_inventories(req: ApiRequest) -> None:
    enforce(req, "resource_providers:inventories:delete")
    require_version(req, "1.5")
    req.svc.inventories.delete_all(path_uuid(req))


@router.get(BASE + "/{resource_class}")
def show_inventory(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:inventories:show")
    generation, inv = req.svc.inventories.get_one(path_uuid(req), _rc(req))
    return {**inv, "resource_provider_generation": generation}


@router.put(BASE + "/{resource_class}")
def update_inventory(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:inventories:update")
    data = body(req, schemas.ONE_INVENTORY)
    generation = data.pop("resource_provider_generation")
    rc = _rc(req)
    if not req.svc.resource_classes.exists(rc):
        raise errors.BadRequest(f"No such resource class {rc}.")
    new_generation, inv = req.svc.inventories.set_one(path_uuid(req), rc, generation, data,
                                                      _equal_ok(req))
    return {**inv, "resource_provider_generation": new_generation}


@router.delete(BASE + "/{resource_class}", status=204)
def delete_inventory(req: ApiRequest) -> None:
    enforce(req, "resource_providers:inventories:delete")
    req.svc.inventories.delete_one(path_uuid(req), _rc(req))
