"""/resource_classes: the standard classes and the custom ``CUSTOM_*`` ones (1.2+)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement import constants
from nimbus.placement.schemas import providers as schemas
from nimbus.placement.state import PlacementState

router = Router()


def _body(req: ApiRequest[PlacementState], name: str) -> dict[str, Any]:
    href = f"{req.prefix}/resource_classes/{name}"
    return {"name": name, "links": [{"rel": "self", "href": href}]}


@router.get("/resource_classes", min_version="1.2", policy="placement:resource_classes:list")
def list_classes(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List the standard and custom resource classes."""
    return {"resource_classes": [_body(req, n) for n in req.svc.resource_classes.names()]}


@router.post("/resource_classes", status=201, min_version="1.2", body=schemas.RESOURCE_CLASS,
             faults=(409,), policy="placement:resource_classes:create")
def create_class(req: ApiRequest[PlacementState]) -> Reply:
    """Create a custom resource class."""
    name = req.json["name"]
    req.svc.resource_classes.create(name)
    return Reply(None, 201, {"Location": f"{req.prefix}/resource_classes/{name}"})


@router.get("/resource_classes/{name}", min_version="1.2", policy="placement:resource_classes:show")
def show_class(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Show one resource class."""
    name = req.params["name"]
    if not req.svc.resource_classes.exists(name):
        raise errors.NotFound(f"No such resource class {name}.")
    return _body(req, name)


@router.put("/resource_classes/{name}", min_version="1.2", also=(201, 204),
            body=schemas.RESOURCE_CLASS_PUT, faults=(409,), policy="placement:resource_classes:update")
def update_class(req: ApiRequest[PlacementState]) -> Any:
    """Rename a custom class (before 1.7); make sure a custom class exists (1.7+)."""
    name = req.params["name"]
    if not req.at_least("1.7"):
        new = req.json["name"]
        req.svc.resource_classes.rename(name, new)
        return _body(req, new)
    # The name is the path's: checked here as the 1.7 body schema would check it.
    if not constants.CUSTOM_NAME.match(name) or len(name) > 255:
        raise errors.BadRequest(f"JSON does not validate: '{name}' does not match "
                                f"'{constants.CUSTOM_NAME.pattern}'")
    created = req.svc.resource_classes.create(name, exist_ok=True)
    location = {"Location": f"{req.prefix}/resource_classes/{name}"}
    return Reply(None, 201 if created else 204, location)


@router.delete("/resource_classes/{name}", status=204, min_version="1.2", faults=(409,),
               policy="placement:resource_classes:delete")
def delete_class(req: ApiRequest[PlacementState]) -> None:
    """Delete a custom resource class nothing uses."""
    req.svc.resource_classes.delete(req.params["name"])
