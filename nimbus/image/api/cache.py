"""``/v2/cache``: this API node's image cache (Glance 2.14+); admin-only by default."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.image.state import ImageState

router = Router()


@router.get("/v2/cache")
def list_cache(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """What this node has cached, and what waits to be."""
    req.enforce("cache_list")
    return req.svc.node_cache.listing()


@router.put("/v2/cache/{image_id}", status=202)
def queue_image(req: ApiRequest[ImageState]) -> Reply:
    """Queue an active image for caching on this node."""
    req.enforce("cache_image")
    req.svc.node_cache.queue(req.ctx, req.params["image_id"])
    return Reply(None, status=202)


@router.delete("/v2/cache/{image_id}", status=204)
def delete_cached(req: ApiRequest[ImageState]) -> None:
    """Drop one image from the cache and the queue."""
    req.enforce("cache_delete")
    req.svc.node_cache.delete(req.ctx, req.params["image_id"])


@router.delete("/v2/cache", status=204, faults=(400,))
def clear_cache(req: ApiRequest[ImageState]) -> None:
    """Empty the cache, the queue, or both (``x-image-cache-clear-target``)."""
    req.enforce("cache_clear")
    req.svc.node_cache.clear(req.headers.get("x-image-cache-clear-target"))
