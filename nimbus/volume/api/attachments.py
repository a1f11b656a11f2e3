"""The attachments API (3.27+), which compute uses to attach volumes to servers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import VolumeRouter, ctx_dict, listing_scope, page_query, scope
from nimbus.volume.manager.attachments import AttachmentFilters
from nimbus.volume.schemas import attachments as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()
MIN_VERSION = "3.27"
COMPLETE_VERSION = "3.44"


def _owned(req: ApiRequest[VolumeState], attachment_id: str, action: str) -> dict[str, Any]:
    att = req.svc.attachments.get(attachment_id, scope(req))
    req.enforce(action, target={"project_id": att["project_id"]})
    return att


def _listing(req: ApiRequest[VolumeState], detailed: bool) -> dict[str, Any]:
    req.enforce("volume:get_all")
    filters = AttachmentFilters(
        project_id=listing_scope(req, service_users_too=True),
        volume_id=req.args.get("volume_id") or None,
        instance_uuid=req.args.get("instance_id") or None,
        attach_status=req.args.get("status") or req.args.get("attach_status") or None)
    found = req.svc.attachments.listing(filters, page_query(req)).items
    view = schema.detail if detailed else schema.summary
    # Cinder writes no next link for attachments: a client pages with the last id as marker.
    return {"attachments": [view(a) for a in found]}


@router.get("/attachments", min_version=MIN_VERSION, query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List attachments."""
    return _listing(req, detailed=False)


@router.get("/attachments/detail", min_version=MIN_VERSION, query=schema.LIST_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List attachments with details."""
    return _listing(req, detailed=True)


@router.get("/attachments/{attachment_id}", min_version=MIN_VERSION)
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show an attachment."""
    att = _owned(req, req.params["attachment_id"], "volume:get")
    return {"attachment": schema.detail(att)}


@router.post("/attachments", status=202, min_version=MIN_VERSION, body=schema.CREATE,
             faults=(409,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Reserve a volume for a server (and connect it when a connector is given)."""
    spec = req.json["attachment"]
    vol = req.svc.volumes.get(spec.get("volume_uuid") or spec["volume_id"], scope(req))
    req.enforce("volume:attachment_create", target={"project_id": vol["project_id"]})
    connector = dict(spec.get("connector") or {})
    if spec.get("mode") and connector:
        connector.setdefault("mode", spec["mode"])
    att = req.svc.attachments.create(ctx_dict(req), vol["id"], spec["instance_uuid"],
                                     connector or None, None)
    return {"attachment": schema.detail(att)}


@router.put("/attachments/{attachment_id}", min_version=MIN_VERSION, body=schema.UPDATE,
            faults=(409,))
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Connect an attachment: the answer carries the connection_info."""
    att = _owned(req, req.params["attachment_id"], "volume:attachment_update")
    att = req.svc.attachments.update(ctx_dict(req), att["id"], req.json["attachment"]["connector"],
                                     None)
    return {"attachment": schema.detail(att)}


@router.post("/attachments/{attachment_id}/action", status=204, min_version=COMPLETE_VERSION,
             body=schema.ACTION, faults=(409,))
def complete(req: ApiRequest[VolumeState]) -> Reply:
    """os-complete: the server is connected, the volume is in use."""
    att = _owned(req, req.params["attachment_id"], "volume:attachment_complete")
    req.svc.attachments.complete(att["id"], None)
    return Reply(None, status=204)


@router.delete("/attachments/{attachment_id}", min_version=MIN_VERSION, faults=(409,))
def delete(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Disconnect and delete an attachment; the answer lists the volume's remaining ones."""
    att = _owned(req, req.params["attachment_id"], "volume:attachment_delete")
    req.svc.attachments.check_user_detach(ctx_dict(req), att["volume_id"], att["id"])
    remaining = req.svc.attachments.delete(ctx_dict(req), att["id"], None)
    return {"attachments": [schema.summary(a) for a in remaining]}
