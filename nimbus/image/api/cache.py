"""``/v2/cache``: this API node's image cache (Glance 2.14+); admin-only by default."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()


@router.get("/v2/cache")
def list_cache(req: ApiRequest) -> dict[str, Any]:
    req.enforce("cache_list")
    listing: dict[str, Any] = req.svc.node_cache.listing()
    return listing


@router.put("/v2/cache/{image_id}", status=202)
def queue_image(req: ApiRequest) -> Reply:
    req.enforce("cache_image")
    req.svc.node_cache.queue(req.ctx, req.params["image_id"])
    return Reply(None, status=202)


@router.delete("/v2/cache/{image_id}", status=204)
def delete_cached(req: ApiRequest) -> None:
    req.enforce("cache_delete")
    req.svc.node_cache.delete(req.ctx, req.params["image_id"])


@router.delete("/v2/cache", status=204)
def clear_cache(req: ApiRequest) -> None:
    req.enforce("cache_clear")
    req.svc.node_cache.clear(req.headers.get("x-image-cache-clear-target"))
