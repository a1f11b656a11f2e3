"""``/v2/images``: create, list, show, update (JSON patch), delete, deactivate, reactivate, and
an image's tags."""

from __future__ import annotations

import dataclasses
from typing import Any

from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import Forbidden, NotFound
from nimbus.image.api.common import load, target
from nimbus.image.constants import DEFAULT_LIMIT, MAX_LIMIT
from nimbus.image.schemas import requests, views
from nimbus.image.schemas.requests import Change
from nimbus.image.state import ImageState

router = Router()


def _locations(req: ApiRequest[ImageState], image: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``locations`` as this caller may see them (None: the cloud does not show them)."""
    if not req.svc.show_locations:
        return None
    if not req.allowed("get_image_location", target(req, image)):
        return []
    return list(image.get("location_entries") or [])


def _view(req: ApiRequest[ImageState], image: dict[str, Any]) -> dict[str, Any]:
    return views.image(image, req.svc.stores.sort, _locations(req, image))


def _check_visibility(req: ApiRequest[ImageState], visibility: Any, owner: str | None) -> None:
    """Making an image public is admin-only; community needs its own rule."""
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility)
    if rule:
        req.enforce(rule, {"project_id": owner or "", "owner": owner or ""})


@router.post("/v2/images", status=201, body=requests.CREATE, faults=(409,))
def create_image(req: ApiRequest[ImageState]) -> Reply:
    """Create a queued image record."""
    new = requests.new_image(req.json)
    owner = new.core.get("owner", req.ctx.project_id)
    req.enforce("add_image", {"owner": owner or ""})
    if "owner" in new.core and owner != req.ctx.project_id and not req.ctx.is_admin:
        raise Forbidden("You are not permitted to create images owned by another project.")
    _check_visibility(req, new.core.get("visibility"), owner)
    image = req.svc.images.create(req.ctx, new)
    headers = {"Location": f"{req.service_url}/v2/images/{image['id']}",
               "OpenStack-image-import-methods": ",".join(req.svc.importer.methods())}
    if req.svc.stores.multi:
        headers["OpenStack-image-store-ids"] = ",".join(req.svc.stores.writable())
    return Reply(_view(req, image), headers=headers)


@router.get("/v2/images", query=requests.LIST_QUERY)
def list_images(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One page of images; ``next`` whenever the page is full, as Glance gives it."""
    req.enforce("get_images")
    sort = requests.list_sort(req.args)
    filters = requests.image_query(req.args, req.query)
    query = paging.page_query(req, sort=sort)
    if query.limit is None:
        query = dataclasses.replace(query, limit=DEFAULT_LIMIT)
    found = req.svc.images.list_images(req.ctx, filters, query)
    limit = min(query.limit or 0, MAX_LIMIT)
    next_marker = found.items[-1]["id"] if found.items and len(found.items) == limit else None
    return views.image_page(found.items, list(req.query.multi_items()), next_marker,
                            req.svc.stores.sort, lambda image: _locations(req, image))


# With no id (``/v2/images/``) Glance answers 404, which clients and tempest rely on.
@router.get("/v2/images/", policy_free=True, faults=(404,))
@router.delete("/v2/images/", policy_free=True, faults=(404,))
@router.patch("/v2/images/", policy_free=True, faults=(404,))
def no_image_id(req: ApiRequest[ImageState]) -> None:
    """No image named: always 404."""
    raise NotFound("No image ID was given.")


@router.get("/v2/images/{image_id}")
def show_image(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One image."""
    return _view(req, load(req, "get_image"))


def _patch_rules(req: ApiRequest[ImageState], image: dict[str, Any], changes: list[Change]) -> None:
    for change in changes:
        root = change.path[0]
        if root == "locations":
            if not req.svc.show_locations:
                raise Forbidden("This cloud does not expose image locations.")
            req.enforce("delete_image_location" if change.op == "remove" else
                        "set_image_location", target(req, image))
        if root == "owner" and change.op != "remove" and change.value != image["owner"] \
                and not req.ctx.is_admin:
            raise Forbidden("Owner can't be updated by non admin.")
        if root == "visibility" and change.op != "remove" and \
                change.value != image["visibility"]:
            _check_visibility(req, change.value, image["owner"])


@router.patch("/v2/images/{image_id}", body=requests.PATCH, faults=(409, 415),
              content_types=tuple(sorted(requests.PATCH_TYPES)))
def update_image(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Apply a JSON-patch document (Glance's json-patch media types only)."""
    image = req.svc.images.get(req.ctx, req.params["image_id"])
    req.enforce("get_image", target(req, image))
    changes = requests.parse_patch(req.headers.get("content-type", ""), req.json)
    req.enforce("modify_image", target(req, image))
    _patch_rules(req, image, changes)
    # Runs of location operations go to the location manager, the rest to the image manager.
    runs: list[list[Change]] = []
    for change in changes:
        if runs and (runs[-1][0].path[0] == "locations") == (change.path[0] == "locations"):
            runs[-1].append(change)
        else:
            runs.append([change])
    updated = image
    for run in runs or [[]]:
        if run and run[0].path[0] == "locations":
            req.svc.locations.patch(req.ctx, image["id"], run)
            updated = req.svc.images.get(req.ctx, image["id"])
        else:
            updated = req.svc.images.update(req.ctx, image["id"], run)
    return _view(req, updated)


@router.delete("/v2/images/{image_id}", status=204)
def delete_image(req: ApiRequest[ImageState]) -> None:
    """Delete an image and its data (403 while it is protected)."""
    image = load(req, "get_image")
    req.enforce("delete_image", target(req, image))
    req.svc.images.delete(req.ctx, image["id"])


@router.post("/v2/images/{image_id}/actions/deactivate", status=204)
def deactivate_image(req: ApiRequest[ImageState]) -> None:
    """Make an active image's data unreadable to non-admins."""
    image = load(req, "get_image")
    req.enforce("deactivate", target(req, image))
    req.svc.images.set_active_state(req.ctx, image["id"], "deactivate")


@router.post("/v2/images/{image_id}/actions/reactivate", status=204)
def reactivate_image(req: ApiRequest[ImageState]) -> None:
    """Make a deactivated image active again."""
    image = load(req, "get_image")
    req.enforce("reactivate", target(req, image))
    req.svc.images.set_active_state(req.ctx, image["id"], "reactivate")


@router.put("/v2/images/{image_id}/tags/{tag}", status=204)
def add_tag(req: ApiRequest[ImageState]) -> None:
    """Tag an image (a tag it already has is fine)."""
    image = load(req, "get_image")
    req.enforce("modify_image", target(req, image))
    req.svc.images.add_tag(req.ctx, image["id"], req.params["tag"])


@router.delete("/v2/images/{image_id}/tags/{tag}", status=204)
def delete_tag(req: ApiRequest[ImageState]) -> None:
    """Remove a tag from an image."""
    image = load(req, "get_image")
    req.enforce("modify_image", target(req, image))
    req.svc.images.remove_tag(req.ctx, image["id"], req.params["tag"])
