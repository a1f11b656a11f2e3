"""``/images`` and ``/images/{id}/metadata``: Nova's deprecated proxy to the image API.

Images exist here up to 2.35 and their metadata up to 2.38; after that every route is a 404,
as in Nova. Nova checks no policy rule of its own on these: the image API decides, on the
caller's own token, what the caller may see and change (see ``manager/image_proxy.py``).
"""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, next_links
from nimbus.compute.manager.image_proxy import filters_of
from nimbus.compute.schemas import image_proxy as schemas
from nimbus.compute.schemas.image_proxy import MAX_VERSION, METADATA_MAX_VERSION
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()
ONE = f"{V}/images/{{image_id}}"
META = f"{ONE}/metadata"


def _listed(req: ApiRequest[ComputeState]) -> list[dict[str, Any]]:
    proxy = req.svc.image_proxy
    return proxy.list_images(req.ctx, filters_of(req.query.multi_items()),
                             req.args.get("limit"), req.args.get("page_size"),
                             req.query.get("marker") or None)


def _page(req: ApiRequest[ComputeState], view: Any) -> dict[str, Any]:
    images = _listed(req)
    glance = req.svc.image_proxy.glance_url()
    body: dict[str, Any] = {"images": [view(req.service_url, glance, i) for i in images]}
    more = next_links(req, images, lambda image: str(image["id"]))
    if more:
        body["images_links"] = more
    return body


# -- images ------------------------------------------------------------------------------------
@router.get(f"{V}/images", max_version=MAX_VERSION, policy_free=True, query=schemas.LIST_QUERY)
def list_images(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the images the caller sees (``name``, ``status``, ``server``, ``type``,
    ``changes-since``, ``minRam``, ``minDisk`` and ``property-*`` filter them)."""
    return _page(req, schemas.basic)


@router.get(f"{V}/images/detail", max_version=MAX_VERSION, policy_free=True,
            query=schemas.LIST_QUERY)
def list_images_detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the images the caller sees, in full."""
    return _page(req, schemas.detail)


@router.get(ONE, max_version=MAX_VERSION, policy_free=True, faults=(404,))
def show_image(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one image."""
    proxy = req.svc.image_proxy
    image = proxy.get_image(req.ctx, req.params["image_id"])
    return {"image": schemas.detail(req.service_url, proxy.glance_url(), image)}


@router.delete(ONE, status=204, max_version=MAX_VERSION, policy_free=True, faults=(403, 404))
def delete_image(req: ApiRequest[ComputeState]) -> None:
    """Delete an image."""
    req.svc.image_proxy.delete_image(req.ctx, req.params["image_id"])


# -- metadata ----------------------------------------------------------------------------------
@router.get(META, max_version=METADATA_MAX_VERSION, policy_free=True, faults=(403, 404))
def list_metadata(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """An image's metadata (its custom properties)."""
    return {"metadata": req.svc.image_proxy.metadata(req.ctx, req.params["image_id"])}


@router.post(META, max_version=METADATA_MAX_VERSION, policy_free=True,
             body=schemas.SET_METADATA, faults=(403, 404))
def update_metadata(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Add to an image's metadata, replacing the values of keys it has."""
    merged = req.svc.image_proxy.update_metadata(req.ctx, req.params["image_id"],
                                                 req.json["metadata"], replace=False)
    return {"metadata": merged}


@router.put(META, max_version=METADATA_MAX_VERSION, policy_free=True,
            body=schemas.SET_METADATA, faults=(403, 404))
def replace_metadata(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Replace all of an image's metadata."""
    items = req.json["metadata"]
    req.svc.image_proxy.update_metadata(req.ctx, req.params["image_id"], items, replace=True)
    return {"metadata": items}


@router.get(f"{META}/{{key}}", max_version=METADATA_MAX_VERSION, policy_free=True,
            faults=(403, 404))
def show_item(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """One item of an image's metadata."""
    key = req.params["key"]
    metadata = req.svc.image_proxy.metadata(req.ctx, req.params["image_id"])
    if key not in metadata:
        raise NotFound("The resource could not be found.", resource="image metadata", id=key)
    return {"meta": {key: metadata[key]}}


@router.put(f"{META}/{{key}}", max_version=METADATA_MAX_VERSION, policy_free=True,
            body=schemas.SET_ITEM, faults=(403, 404))
def update_item(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Set one item of an image's metadata; the body names the key of the path."""
    meta = req.json["meta"]
    if req.params["key"] not in meta:
        raise BadRequest("Request body and URI mismatch")
    req.svc.image_proxy.update_metadata(req.ctx, req.params["image_id"], meta, replace=False)
    return {"meta": meta}


@router.delete(f"{META}/{{key}}", status=204, max_version=METADATA_MAX_VERSION,
               policy_free=True, faults=(403, 404))
def delete_item(req: ApiRequest[ComputeState]) -> None:
    """Remove one item from an image's metadata."""
    req.svc.image_proxy.delete_item(req.ctx, req.params["image_id"], req.params["key"])
