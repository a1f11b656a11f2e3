"""``DELETE /v2/stores/{store}/{image}``: drop one store's copy of an image."""

from __future__ import annotations

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.api.common import load, target
from nimbus.image.state import ImageState

router = Router()


@router.delete("/v2/stores/{store_id}/{image_id}", status=204, faults=(409,))
def delete_from_store(req: ApiRequest[ImageState]) -> None:
    """Delete the image's copy in one store (never its last one)."""
    image = load(req, "get_image")
    req.enforce("delete_image_location", target(req, image))
    req.svc.importer.drop_copy(image, req.params["store_id"])
