"""``/v2/schemas/*``: the JSON schemas clients validate images and members against."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.image.schemas import image as image_schemas
from nimbus.image.schemas import metadefs as metadef_shapes
from nimbus.image.state import ImageState

router = Router()

_SCHEMAS = {
    "image": image_schemas.image_schema,
    "images": image_schemas.images_schema,
    "member": image_schemas.member_schema,
    "members": image_schemas.members_schema,
}


# Glance serves its schemas to any authenticated caller, without a policy rule.
@router.get("/v2/schemas/{name}", policy_free=True)
def show_schema(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One of the image and member schemas."""
    factory = _SCHEMAS.get(req.params["name"])
    if factory is None:
        raise NotFound(f"Schema {req.params['name']} not found.")
    return factory()


@router.get("/v2/schemas/metadefs/{name}", policy_free=True)
def show_metadef_schema(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One of the metadata-definition schemas."""
    found = metadef_shapes.schema(req.params["name"])
    if found is None:
        raise NotFound(f"Schema metadefs/{req.params['name']} not found.")
    return found
