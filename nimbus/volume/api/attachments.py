"""The attachments API (3.27+), which compute uses to attach volumes to servers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest, NotFound
from nimbus.volume.api.common import VolumeRouter, all_projects, ctx_dict, limit_marker, scope
from nimbus.volume.schemas import attachments as schema
from nimbus.volume.schemas.common import validate

router = VolumeRouter()
MIN_VERSION = "3.27"
_FILTERS = ("volume_id", "status", "instance_id", "attach_status")


def _require_version(req: ApiRequest, minimum: str = MIN_VERSION) -> None:
    """Below its microversion the resource does not exist: Cinder answers 404."""
    if not req.at_least(minimum):
        raise NotFound(f"The resource could not be found: {req.path}")


def _owned(req: ApiRequest, attachment_id: str, action: str) -> dict[str, Any]:
    att = req.svc.attachments.get(attachment_id, scope(req))
    req.enforce(action, target={"project_id": att["project_id"]})
    return att


def _listing(req: ApiRequest, detailed: bool) -> dict[str, Any]:
    _require_version(req)
    req.enforce("volume:get_all")
    every = all_projects(req) and (req.query_bool("all_tenants") or False)
    filters = {k: v for k in _FILTERS if (v := req.query.get(k))}
    found = req.svc.attachments.list(None if every else req.ctx.project_id, filters)
    limit, marker = limit_marker(req)
    if marker:
        ids = [a["id"] for a in found]
        found = found[ids.index(marker) + 1:] if marker in ids else []
    if limit is not None:
        found = found[:limit]
    view = schema.detail if detailed else schema.summary
    return {"attachments": [view(a) for a in found]}


@router.get("/attachments")
def index(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detailed=False)


@router.get("/attachments/detail")
def detail(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detailed=True)


@router.get("/attachments/{attachment_id}")
def show(req: ApiRequest) -> dict[str, Any]:
    _require_version(req)
    att = _owned(req, req.params["attachment_id"], "volume:get")
    return {"attachment": schema.detail(att)}


@router.post("/attachments", status=202)
def create(req: ApiRequest) -> dict[str, Any]:
    _require_version(req)
    body = req.json
    validate(schema.CREATE, body)
    spec = body["attachment"]
    volume_id = spec.get("volume_uuid") or spec.get("volume_id")
    if not volume_id:
        raise BadRequest("Must specify 'volume_uuid' to create attachment.")
    instance_uuid = spec.get("instance_uuid")
    if not instance_uuid:
        raise BadRequest("Must specify 'instance_uuid' to create attachment.")
    vol = req.svc.volumes.get(volume_id, scope(req))
    req.enforce("volume:attachment_create", target={"project_id": vol["project_id"]})
    connector = dict(spec.get("connector") or {})
    if spec.get("mode") and connector:
        connector.setdefault("mode", spec["mode"])
    att = req.svc.attachments.create(ctx_dict(req), vol["id"], instance_uuid, connector or None,
                                     None)
    return {"attachment": schema.detail(att)}


@router.put("/attachments/{attachment_id}")
def update(req: ApiRequest) -> dict[str, Any]:
    _require_version(req)
    body = req.json
    validate(schema.UPDATE, body)
    att = _owned(req, req.params["attachment_id"], "volume:attachment_update")
    att = req.svc.attachments.update(ctx_dict(req), att["id"], body["attachment"]["connector"],
                                     None)
    return {"attachment": schema.detail(att)}


@router.post("/attachments/{attachment_id}/action", status=204)
def complete(req: ApiRequest) -> Reply:
    _require_version(req, "3.44")
    body = req.body_dict()
    if set(body) != {"os-complete"}:
        raise BadRequest(f"There is no such action: {', '.join(body) or 'none'}")
    att = _owned(req, req.params["attachment_id"], "volume:attachment_complete")
    req.svc.attachments.complete(att["id"], None)
    return Reply(None, status=204)


@router.delete("/attachments/{attachment_id}")
def delete(req: ApiRequest) -> dict[str, Any]:
    _require_version(req)
    att = _owned(req, req.params["attachment_id"], "volume:attachment_delete")
    remaining = req.svc.attachments.delete(ctx_dict(req), att["id"], None)
    return {"attachments": [schema.summary(a) for a in remaining]}
