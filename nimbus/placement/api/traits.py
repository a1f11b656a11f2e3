"""/traits and /resource_providers/{uuid}/traits (1.6+)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement import standard
from nimbus.placement.api.common import (
    body,
    check_query,
    enforce,
    path_uuid,
    require_version,
)
from nimbus.placement.errors import QueryBadValue
from nimbus.placement.schemas import providers as schemas

router = Router()


@router.get("/traits")
def list_traits(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "traits:list")
    require_version(req, "1.6")
    check_query(req, {"name", "associated"})
    names: set[str] | None = None
    prefix: str | None = None
    spec = req.query.get("name")
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
    if "associated" in req.query:
        raw = req.query["associated"].lower()
        if raw not in ("true", "false"):
            raise QueryBadValue(f"The query parameter \"associated\" only accepts \"true\" or "
                                f"\"false\". Got: {req.query['associated']}")
        associated = raw == "true"
    return {"traits": req.svc.traits.find(names, prefix, associated)}


@router.get("/traits/{name}", status=204)
def show_trait(req: ApiRequest) -> None:
    enforce(req, "traits:show")
    require_version(req, "1.6")
    if not req.svc.traits.exists(req.params["name"]):
        raise errors.NotFound(f"No such trait(s): {req.params['name']}.")


@router.put("/traits/{name}")
def create_trait(req: ApiRequest) -> Reply:
    enforce(req, "traits:update")
    require_version(req, "1.6")
    name = req.params["name"]
    if not standard.CUSTOM_NAME.match(name) or len(name) > 255:
        raise errors.BadRequest("The trait is invalid. A valid trait must be no longer than 255 "
                                "characters, start with the prefix \"CUSTOM_\" and use "
                                "following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"")
    created = req.svc.traits.create(name)
    return Reply(None, 201 if created else 204,
                 {"Location": f"{req.prefix}/traits/{name}"})


@router.delete("/traits/{name}", status=204)
def delete_trait(req: ApiRequest) -> None:
    enforce(req, "traits:delete")
    require_version(req, "1.6")
    req.svc.traits.delete(req.params["name"])


@router.get("/resource_providers/{uuid}/traits")
def provider_traits(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:traits:list")
    require_version(req, "1.6")
    generation, names = req.svc.traits.of_provider(path_uuid(req))
    return {"traits": names, "resource_provider_generation": generation}


@router.put("/resource_providers/{uuid}/traits")
def set_provider_traits(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_providers:traits:update")
    require_version(req, "1.6")
    data = body(req, schemas.PROVIDER_TRAITS)
    generation, names = req.svc.traits.set_for_provider(
        path_uuid(req), data["resource_provider_generation"], data["traits"])
    return {"traits": names, "resource_provider_generation": generation}


@router.delete("/resource_providers/{uuid}/traits", status=204)
def clear_provider_traits(req: ApiRequest) -> None:
    enforce(req, "resource_providers:traits:delete")
    require_version(req, "1.6")
    req.svc.traits.set_for_provider(path_uuid(req), None, [])
