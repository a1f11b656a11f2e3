"""/resource_providers/{uuid}/inventories: what a provider has of each resource class."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement.api.common import path_uuid, provider_url
from nimbus.placement.schemas import inventories as schemas
from nimbus.placement.state import PlacementState

router = Router()
BASE = "/resource_providers/{uuid}/inventories"


def _equal_ok(req: ApiRequest[PlacementState]) -> bool:
    # 1.26 let reserved equal total (a provider fully reserved for maintenance).
    return req.at_least("1.26")


def _rc(req: ApiRequest[PlacementState]) -> str:
    return req.params["resource_class"]


@router.get(BASE, policy="placement:resource_providers:inventories:list")
def list_inventories(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List a provider's inventories."""
    generation, invs = req.svc.inventories.get_all(path_uuid(req))
    return {"inventories": invs, "resource_provider_generation": generation}


@router.put(BASE, body=schemas.ALL_INVENTORIES, faults=(409,),
            policy="placement:resource_providers:inventories:update")
def replace_inventories(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Replace a provider's whole inventory."""
    data = req.json
    generation, invs = req.svc.inventories.replace_all(
        path_uuid(req), data["resource_provider_generation"], data["inventories"],
        _equal_ok(req))
    return {"inventories": invs, "resource_provider_generation": generation}


@router.post(BASE, status=201, body=schemas.NEW_INVENTORY, faults=(409,),
             policy="placement:resource_providers:inventories:create")
def create_inventory(req: ApiRequest[PlacementState]) -> Reply:
    """Add the inventory of one resource class."""
    data = dict(req.json)
    uuid = path_uuid(req)
    rc = data.pop("resource_class")
    # Placement ignores a generation sent with a new class's inventory.
    data.pop("resource_provider_generation", None)
    generation = None
    new_generation, inv = req.svc.inventories.set_one(uuid, rc, generation, data,
                                                      _equal_ok(req), create=True)
    return Reply({**inv, "resource_provider_generation": new_generation}, 201,
                 # Absolute, as Placement's framework writes it.
                 {"Location": f"{req.host_url}{provider_url(req, uuid)}/inventories/{rc}"})


@router.delete(BASE, status=204, min_version="1.5", faults=(409,),
               policy="placement:resource_providers:inventories:delete")
def delete_inventories(req: ApiRequest[PlacementState]) -> None:
    """Remove every inventory of a provider."""
    req.svc.inventories.delete_all(path_uuid(req))


@router.get(BASE + "/{resource_class}", policy="placement:resource_providers:inventories:show")
def show_inventory(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Show the inventory of one resource class."""
    generation, inv = req.svc.inventories.get_one(path_uuid(req), _rc(req))
    return {**inv, "resource_provider_generation": generation}


@router.put(BASE + "/{resource_class}", body=schemas.ONE_INVENTORY, faults=(409,),
            policy="placement:resource_providers:inventories:update")
def update_inventory(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Update the inventory of one resource class."""
    data = dict(req.json)
    generation = data.pop("resource_provider_generation")
    rc = _rc(req)
    req.svc.inventories.require_class(rc)
    new_generation, inv = req.svc.inventories.set_one(path_uuid(req), rc, generation, data,
                                                      _equal_ok(req))
    return {**inv, "resource_provider_generation": new_generation}


@router.delete(BASE + "/{resource_class}", status=204, faults=(409,),
               policy="placement:resource_providers:inventories:delete")
def delete_inventory(req: ApiRequest[PlacementState]) -> None:
    """Remove the inventory of one resource class."""
    req.svc.inventories.delete_one(path_uuid(req), _rc(req))
