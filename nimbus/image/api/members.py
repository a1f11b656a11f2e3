"""``/v2/images/{id}/members``: share an image with other projects, who accept or reject."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.api.common import load, target
from nimbus.image.schemas import requests, views
from nimbus.image.state import ImageState

router = Router()


def _member_target(req: ApiRequest[ImageState], image: dict[str, Any],
                   member: str) -> dict[str, Any]:
    return {**target(req, image), "member_id": member}


@router.get("/v2/images/{image_id}/members")
def list_members(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The image's members (a member sees only itself)."""
    image = load(req, "get_image")
    req.enforce("get_members", target(req, image))
    rows = req.svc.members.list_members(req.ctx, image)
    return {"members": [views.member(r) for r in rows], "schema": "/v2/schemas/members"}


@router.post("/v2/images/{image_id}/members", body=requests.ADD_MEMBER, faults=(409,))
def add_member(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """Offer a shared image to another project."""
    image = load(req, "get_image")
    req.enforce("add_member", target(req, image))
    return views.member(req.svc.members.add(image, req.json["member"]))


@router.get("/v2/images/{image_id}/members/{member_id}")
def show_member(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One member of the image."""
    image = load(req, "get_image")
    req.enforce("get_member", target(req, image))
    return views.member(req.svc.members.get(req.ctx, image, req.params["member_id"]))


@router.put("/v2/images/{image_id}/members/{member_id}", body=requests.UPDATE_MEMBER)
def update_member(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """A member accepts or rejects the image (or changes its mind)."""
    image = load(req, "get_image")
    member = req.params["member_id"]
    req.svc.members.get(req.ctx, image, member)
    req.enforce("modify_member", _member_target(req, image, member))
    return views.member(req.svc.members.update(image, member, req.json["status"]))


@router.delete("/v2/images/{image_id}/members/{member_id}", status=204)
def delete_member(req: ApiRequest[ImageState]) -> None:
    """Stop sharing the image with a project."""
    image = load(req, "get_image")
    req.enforce("delete_member", target(req, image))
    req.svc.members.delete(image, req.params["member_id"])
