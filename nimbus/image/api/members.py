"""``/v2/images/{id}/members``: share an image with other projects, who accept or reject."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.api.common import load, target
from nimbus.image.schemas import views

router = Router()


def _member_target(req: ApiRequest, image: dict[str, Any], member: str) -> dict[str, Any]:
    return {**target(req, image), "member_id": member}


@router.get("/v2/images/{image_id}/members")
def list_members(req: ApiRequest) -> dict[str, Any]:
    image = load(req, "get_image")
    req.enforce("get_members", target(req, image))
    rows = req.svc.members.list_members(req.ctx, image)
    return {"members": [views.member(r) for r in rows], "schema": "/v2/schemas/members"}


@router.post("/v2/images/{image_id}/members")
def add_member(req: ApiRequest) -> dict[str, Any]:
    image = load(req, "get_image")
    req.enforce("add_member", target(req, image))
    body = req.body_dict()
    return views.member(req.svc.members.add(image, body.get("member")))


@router.get("/v2/images/{image_id}/members/{member_id}")
def show_member(req: ApiRequest) -> dict[str, Any]:
    image = load(req, "get_image")
    req.enforce("get_member", target(req, image))
    return views.member(req.svc.members.get(req.ctx, image, req.params["member_id"]))


@router.put("/v2/images/{image_id}/members/{member_id}")
def update_member(req: ApiRequest) -> dict[str, Any]:
    image = load(req, "get_image")
    member = req.params["member_id"]
    req.svc.members.get(req.ctx, image, member)
    req.enforce("modify_member", _member_target(req, image, member))
    body = req.body_dict()
    return views.member(req.svc.members.update(image, member, body.get("status")))


@router.delete("/v2/images/{image_id}/members/{member_id}", status=204)
def delete_member(req: ApiRequest) -> None:
    image = load(req, "get_image")
    req.enforce("delete_member", target(req, image))
    req.svc.members.delete(image, req.params["member_id"])
