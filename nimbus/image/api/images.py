"""``/v2/images``: create, list, show, update (JSON patch), delete, deactivate, reactivate."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import Forbidden, NotFound
from nimbus.image.api.common import load, target
from nimbus.image.schemas import views
from nimbus.image.schemas.requests import Change, parse_create, parse_list, parse_patch

router = Router()


def _locations(req: ApiRequest, image: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``locations`` as this caller may see them (None: the cloud does not show them)."""
    if not req.svc.show_locations:
        return None
    if not req.allowed("get_image_location", target(req, image)):
        return []
    return list(image.get("location_entries") or [])


def _view(req: ApiRequest, image: dict[str, Any]) -> dict[str, Any]:
    return views.image(image, req.svc.stores.sort, _locations(req, image))


def _check_visibility(req: ApiRequest, visibility: Any, owner: str | None) -> None:
    """Making an image public is admin-only; community needs its own rule."""
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility)
    if rule:
        req.enforce(rule, {"project_id": owner or "", "owner": owner or ""})


@router.post("/v2/images", status=201)
def create_image(req: ApiRequest) -> Reply:
    new = parse_create(req.json)
    owner = new.core.get("owner", req.ctx.project_id)
    req.enforce("add_image", {"owner": owner or ""})
    if "owner" in new.core and owner != req.ctx.project_id and not req.ctx.is_admin:
        raise Forbidden("You are not permitted to create images owned by another project.")
    _check_visibility(req, new.core.get("visibility"), owner)
    image = req.svc.manager.create(req.ctx, new)
    headers = {"Location": f"{req.service_url}/v2/images/{image['id']}",
               "OpenStack-image-import-methods": ",".join(req.svc.importer.methods())}
    if req.svc.stores.multi:
        headers["OpenStack-image-store-ids"] = ",".join(req.svc.stores.writable())
    return Reply(_view(req, image), headers=headers)


@router.get("/v2/images")
def list_images(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_images")
    query = parse_list(req.query)
    page, next_marker = req.svc.manager.list_images(req.ctx, query)
    return views.image_page(page, list(req.query.multi_items()), next_marker,
                            req.svc.stores.sort, lambda image: _locations(req, image))


# With no id (``/v2/images/``) Glance answers 404, which clients and tempest rely on.
@router.get("/v2/images/", policy_free=True)
@router.delete("/v2/images/", policy_free=True)
@router.patch("/v2/images/", policy_free=True)
def no_image_id(req: ApiRequest) -> None:
    raise NotFound("No image ID was given.")


@router.get("/v2/images/{image_id}")
def show_image(req: ApiRequest) -> dict[str, Any]:
    return _view(req, load(req, "get_image"))


def _patch_rules(req: ApiRequest, image: dict[str, Any], changes: list[Change]) -> None:
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


@router.patch("/v2/images/{image_id}")
def update_image(req: ApiRequest) -> dict[str, Any]:
    image = req.svc.manager.get(req.ctx, req.params["image_id"])
    req.enforce("get_image", target(req, image))
    changes = parse_patch(req.headers.get("content-type", ""), req.json)
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
            updated = req.svc.manager.get(req.ctx, image["id"])
        else:
            updated = req.svc.manager.update(req.ctx, image["id"], run)
    return _view(req, updated)


@router.delete("/v2/images/{image_id}", status=204)
def delete_image(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("delete_image", target(req, image))
    req.svc.manager.delete(req.ctx, image["id"])


@router.post("/v2/images/{image_id}/actions/deactivate", status=204)
def deactivate_image(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("deactivate", target(req, image))
    req.svc.manager.set_active_state(req.ctx, image["id"], "deactivate")


@router.post("/v2/images/{image_id}/actions/reactivate", status=204)
def reactivate_image(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("reactivate", target(req, image))
    req.svc.manager.set_active_state(req.ctx, image["id"], "reactivate")


@router.put("/v2/images/{image_id}/tags/{tag}", status=204)
def add_tag(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("modify_image", target(req, image))
    req.svc.manager.add_tag(req.ctx, image["id"], req.params["tag"])


@router.delete("/v2/images/{image_id}/tags/{tag}", status=204)
def delete_tag(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("modify_image", target(req, image))
    req.svc.manager.remove_tag(req.ctx, image["id"], req.params["tag"])
