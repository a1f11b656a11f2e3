"""Helpers every image API module shares: the policy target of an image, and loading one."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.image.state import ImageState


def target(req: ApiRequest[ImageState], image: dict[str, Any]) -> dict[str, Any]:
    """Glance's image target: owner as project_id, visibility, and membership of the caller."""
    member = None
    if image["visibility"] == "shared" and image["owner"] != req.ctx.project_id and \
            req.svc.images.is_member(image["id"], req.ctx.project_id):
        member = req.ctx.project_id
    return {"project_id": image["owner"] or "", "owner": image["owner"] or "",
            "visibility": image["visibility"], "member_id": member or ""}


def load(req: ApiRequest[ImageState], action: str, image_id: str | None = None) -> dict[str, Any]:
    """The image the path names, as the caller sees it (404 otherwise), after policy ``action``."""
    image = req.svc.images.get(req.ctx, image_id or req.params["image_id"])
    req.enforce(action, target(req, image))
    return image
