"""/traits and /resource_providers/{uuid}/traits (1.6+)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement import constants
from nimbus.placement.api.common import path_uuid
from nimbus.placement.api.query import check_query
from nimbus.placement.errors import QueryBadValue
from nimbus.placement.schemas import providers as schemas
from nimbus.placement.schemas import queries
from nimbus.placement.state import PlacementState

router = Router()


@router.get("/traits", min_version="1.6", query=queries.TRAITS, policy="placement:traits:list")
def list_traits(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List traits, by name and by whether a provider has them."""
    check_query(req, {"name", "associated"})
    names: set[str] | None = None
    prefix: str | None = None
    spec = req.args.get("name")
    if spec is not None:
        if spec.startswith("in:"):
            names = {n.strip() for n in spec[3:].split(",") if n.strip()}
        elif spec.startswith("startswith:"):
            prefix = spec[len("startswith:"):]
        else:
            raise QueryBadValue(f"Badly formatted name parameter. Expected name query string "
                                f"parameter in form: ?name=[in|startswith]:[name1,name2|prefix]."
                                f" Got: \"{spec}\"")
    associated = None
    if "associated" in req.args:
        raw = req.args["associated"].lower()
        if raw not in ("true", "false"):
            raise QueryBadValue(f"The query parameter \"associated\" only accepts \"true\" or "
                                f"\"false\". Got: {req.args['associated']}")
        associated = raw == "true"
    return {"traits": req.svc.traits.find(names, prefix, associated)}


@router.get("/traits/{name}", status=204, min_version="1.6", policy="placement:traits:show")
def show_trait(req: ApiRequest[PlacementState]) -> None:
    """Check that a trait exists."""
    if not req.svc.traits.exists(req.params["name"]):
        raise errors.NotFound(f"No such trait(s): {req.params['name']}.")


@router.put("/traits/{name}", status=201, also=(204,), min_version="1.6", policy="placement:traits:update")
def create_trait(req: ApiRequest[PlacementState]) -> Reply:
    """Make sure a custom trait exists."""
    name = req.params["name"]
    if not constants.CUSTOM_NAME.match(name) or len(name) > 255:
        raise errors.BadRequest("The trait is invalid. A valid trait must be no longer than 255 "
                                "characters, start with the prefix \"CUSTOM_\" and use "
                                "following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"")
    created = req.svc.traits.create(name)
    return Reply(None, 201 if created else 204,
                 {"Location": f"{req.prefix}/traits/{name}"})


@router.delete("/traits/{name}", status=204, min_version="1.6", faults=(409,),
               policy="placement:traits:delete")
def delete_trait(req: ApiRequest[PlacementState]) -> None:
    """Delete a custom trait no provider has."""
    req.svc.traits.delete(req.params["name"])


@router.get("/resource_providers/{uuid}/traits", min_version="1.6",
            policy="placement:resource_providers:traits:list")
def provider_traits(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List a provider's traits."""
    generation, names = req.svc.traits.of_provider(path_uuid(req))
    return {"traits": names, "resource_provider_generation": generation}


@router.put("/resource_providers/{uuid}/traits", min_version="1.6", body=schemas.PROVIDER_TRAITS,
            faults=(409,), policy="placement:resource_providers:traits:update")
def set_provider_traits(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Replace a provider's traits."""
    generation, names = req.svc.traits.set_for_provider(
        path_uuid(req), req.json["resource_provider_generation"], req.json["traits"])
    return {"traits": names, "resource_provider_generation": generation}


@router.delete("/resource_providers/{uuid}/traits", status=204, min_version="1.6",
               faults=(409,), policy="placement:resource_providers:traits:delete")
def clear_provider_traits(req: ApiRequest[PlacementState]) -> None:
    """Remove every trait of a provider."""
    req.svc.traits.set_for_provider(path_uuid(req), None, [])
