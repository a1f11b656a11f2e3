"""/resource_classes: the standard classes and the custom ``CUSTOM_*`` ones (1.2+)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.placement import standard
from nimbus.placement.api.common import body, enforce, require_version
from nimbus.placement.schemas import providers as schemas

router = Router()


def _body(req: ApiRequest, name: str) -> dict[str, Any]:
    href = f"{req.prefix}/resource_classes/{name}"
    return {"name": name, "links": [{"rel": "self", "href": href}]}


@router.get("/resource_classes")
def list_classes(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_classes:list")
    require_version(req, "1.2")
    return {"resource_classes": [_body(req, n) for n in req.svc.resource_classes.names()]}


@router.post("/resource_classes")
def create_class(req: ApiRequest) -> Reply:
    enforce(req, "resource_classes:create")
    require_version(req, "1.2")
    name = body(req, schemas.RESOURCE_CLASS)["name"]
    req.svc.resource_classes.create(name)
    return Reply(None, 201, {"Location": f"{req.prefix}/resource_classes/{name}"})


@router.get("/resource_classes/{name}")
def show_class(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "resource_classes:show")
    require_version(req, "1.2")
    name = req.params["name"]
    if not req.svc.resource_classes.exists(name):
        raise errors.NotFound(f"No such resource class {name}.")
    return _body(req, name)


@router.put("/resource_classes/{name}")
def update_class(req: ApiRequest) -> Any:
    enforce(req, "resource_classes:update")
    require_version(req, "1.2")
    name = req.params["name"]
    if not req.at_least("1.7"):
        new = body(req, schemas.RESOURCE_CLASS)["name"]
        req.svc.resource_classes.rename(name, new)
        return _body(req, new)
    # 1.7+: PUT makes sure the custom class exists, with no body.
    if not standard.CUSTOM_NAME.match(name) or len(name) > 255:
        raise errors.BadRequest(f"JSON does not validate: '{name}' does not match "
                                f"'{standard.CUSTOM_NAME.pattern}'")
    created = req.svc.resource_classes.create(name, exist_ok=True)
    location = {"Location": f"{req.prefix}/resource_classes/{name}"}
    return Reply(None, 201 if created else 204, location)


@router.delete("/resource_classes/{name}", status=204)
def delete_class(req: ApiRequest) -> None:
    enforce(req, "resource_classes:delete")
    require_version(req, "1.2")
    req.svc.resource_classes.delete(req.params["name"])
