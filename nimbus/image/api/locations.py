"""``/v2/images/{id}/locations`` (API 2.17): add a location to a queued image, and list them
for other services."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.image.api.common import load, target

router = Router()


@router.post("/v2/images/{image_id}/locations", status=202)
def add_location(req: ApiRequest) -> Reply:
    image = load(req, "get_image")
    req.enforce("add_image_location", target(req, image))
    req.svc.location_import.add(req.ctx, image, req.json)
    return Reply(None, status=202)


@router.get("/v2/images/{image_id}/locations")
def list_locations(req: ApiRequest) -> list[dict[str, Any]]:
    image = load(req, "get_image")
    req.enforce("fetch_image_location", target(req, image))
    entries: list[dict[str, Any]] = req.svc.locations.entries(image["id"])
    return entries
