"""``/v3/projects/{project_id}/tags``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.core.api.validation import validate
from nimbus.core.errors import BadRequest, NotFound
from nimbus.identity.api.common import base
from nimbus.identity.constants import MAX_TAGS
from nimbus.identity.schemas import requests
from nimbus.identity.schemas.rows import Project
from nimbus.identity.state import IdentityState

router = Router()
_ONE_TAG = {"type": "object", "properties": {"tags": requests.TAGS_STRICT}}


def _tag_target(req: ApiRequest[IdentityState], action: str) -> Project:
    p = req.svc.resource.get_project(req.params["project_id"])
    req.enforce(action, {"target.project.id": p.id, "target.project.domain_id": p.domain_id})
    return p


def _check_tag(tag: str) -> str:
    # The tag comes in the path, which no body schema covers: it must obey the same rules.
    validate({"tags": [tag]}, _ONE_TAG)
    return tag


@router.get("/v3/projects/{project_id}/tags")
def list_project_tags(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List a project's tags."""
    return {"tags": _tag_target(req, "identity:list_project_tags").tags or []}


@router.put("/v3/projects/{project_id}/tags", body=requests.TAGS_BODY)
def replace_project_tags(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Replace a project's tags."""
    p = _tag_target(req, "identity:update_project_tags")
    tags = list(dict.fromkeys(req.json["tags"]))
    p = req.svc.resource.update_project(p.id, {"tags": tags})
    return {"tags": p.tags or []}


@router.delete("/v3/projects/{project_id}/tags", status=204)
def delete_project_tags(req: ApiRequest[IdentityState]) -> None:
    """Remove every tag of a project."""
    p = _tag_target(req, "identity:delete_project_tags")
    req.svc.resource.update_project(p.id, {"tags": []})


@router.put("/v3/projects/{project_id}/tags/{tag}", status=201)
def add_project_tag(req: ApiRequest[IdentityState]) -> Reply:
    """Add one tag to a project."""
    p = _tag_target(req, "identity:create_project_tag")
    tag = _check_tag(req.params["tag"])
    tags = list(p.tags or [])
    if tag not in tags:
        if len(tags) >= MAX_TAGS:
            raise BadRequest(f"Invalid input for field 'tags': a project has at most "
                             f"{MAX_TAGS} tags.")
        tags.append(tag)
    req.svc.resource.update_project(p.id, {"tags": tags})
    return Reply(None, status=201, headers={"Location": f"{base(req)}/v3/projects/{p.id}/tags/"
                                                        f"{tag}"})


@router.head("/v3/projects/{project_id}/tags/{tag}", status=204)
@router.get("/v3/projects/{project_id}/tags/{tag}", status=204)
def check_project_tag(req: ApiRequest[IdentityState]) -> None:
    """Check that a project has a tag."""
    p = _tag_target(req, "identity:get_project_tag")
    if req.params["tag"] not in (p.tags or []):
        raise NotFound(resource="tag", id=req.params["tag"])


@router.delete("/v3/projects/{project_id}/tags/{tag}", status=204)
def delete_project_tag(req: ApiRequest[IdentityState]) -> None:
    """Remove one tag from a project."""
    p = _tag_target(req, "identity:delete_project_tag")
    if req.params["tag"] not in (p.tags or []):
        raise NotFound(resource="tag", id=req.params["tag"])
    req.svc.resource.update_project(p.id, {"tags": [t for t in p.tags
                                                     if t != req.params["tag"]]})
