"""``POST /v2/images/{id}/import``: interoperable import, run as a task in the background."""

from __future__ import annotations

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.image.api.common import load, target
from nimbus.image.api.image_data import store_asked
from nimbus.image.schemas import requests
from nimbus.image.state import ImageState

router = Router()


@router.post("/v2/images/{image_id}/import", status=202, body=requests.IMPORT,
             query=requests.STORE_QUERY, faults=(409,))
def import_image(req: ApiRequest[ImageState]) -> Reply:
    """Start an import (glance-direct, web-download, glance-download or copy-image)."""
    image = load(req, "get_image")
    req.enforce("modify_image", target(req, image))
    if req.json["method"]["name"] == "copy-image":
        req.enforce("copy_image", target(req, image))
    req.svc.importer.request(req.ctx, image["id"], req.json, store_asked(req))
    return Reply(None, status=202)
