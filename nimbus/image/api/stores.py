"""``DELETE /v2/stores/{store}/{image}``: drop one store's copy of an image."""

from __future__ import annotations

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import Conflict, NotFound
from nimbus.image import import_data, states
from nimbus.image.api.common import load, target

router = Router()


@router.delete("/v2/stores/{store_id}/{image_id}", status=204)
def delete_from_store(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("delete_image_location", target(req, image))
    store_id = req.params["store_id"]
    if req.svc.stores.get(store_id).read_only:
        raise Conflict(f"Store {store_id} is read-only; remove the image location instead.")
    if image["status"] != states.ACTIVE:
        raise Conflict("It's not allowed to remove image data from store if image status is "
                       "not 'active'")
    held = image.get("locations") or {}
    if store_id not in held:
        raise NotFound(f"Image {image['id']} is not present in store {store_id}.")
    if len(held) == 1:
        raise Conflict(f"Store {store_id} holds the last copy of image {image['id']}; delete "
                       "the image instead.")
    import_data.drop_stores(req.svc.data, image["id"], [store_id])
