"""``/v2/images/{id}/locations`` (API 2.17): add a location to a queued image, and list them
for other services."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.image.api.common import load, target
from nimbus.image.schemas import requests
from nimbus.image.state import ImageState

router = Router()


@router.post("/v2/images/{image_id}/locations", status=202, body=requests.ADD_LOCATION,
             faults=(409,))
def add_location(req: ApiRequest[ImageState]) -> Reply:
    """Register a URL on a queued image; a task reads and hashes it."""
    image = load(req, "get_image")
    req.enforce("add_image_location", target(req, image))
    req.svc.location_import.add(req.ctx, image, req.json)
    return Reply(None, status=202)


@router.get("/v2/images/{image_id}/locations")
def list_locations(req: ApiRequest[ImageState]) -> list[dict[str, Any]]:
    """The image's locations (for services)."""
    image = load(req, "get_image")
    req.enforce("fetch_image_location", target(req, image))
    return req.svc.locations.entries(image["id"])
