"""``/servers/{id}/os-volume_attachments``: list, show, attach and detach volumes."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.db import api as dbapi
from nimbus.compute.schemas import common
from nimbus.compute.schemas.servers import volume_attachment
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import ValidationError

router = Router()
BASE = f"{V}/servers/{{server_id}}/os-volume_attachments"


@router.get(BASE)
def index(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:os-volumes-attachments:index")
    bdms = dbapi.attachments_of(req.svc.db, row.uuid)
    limit = req.query_int("limit", minimum=0)
    offset = req.query_int("offset", default=0, minimum=0) or 0
    bdms = bdms[offset:offset + limit if limit is not None else None]
    return {"volumeAttachments": [volume_attachment(req.at_least, b) for b in bdms]}


@router.get(f"{BASE}/{{volume_id}}")
def show(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:os-volumes-attachments:show")
    bdm = req.svc.servers.attachment(row, req.params["volume_id"])
    return {"volumeAttachment": volume_attachment(req.at_least, bdm)}


@router.post(BASE)
def create(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:os-volumes-attachments:create")
    body = req.body_dict("volumeAttachment")
    allowed = {"volumeId", "device"}
    if req.at_least("2.49"):
        allowed.add("tag")
    if req.at_least("2.79"):
        allowed.add("delete_on_termination")
    common.no_extra(body, allowed, "volumeAttachment")
    volume_id = common.string(body, "volumeId", required=True, min_len=1)
    device = common.string(body, "device", nullable=True)
    if device is not None and not device.startswith("/dev/"):
        raise ValidationError(field="device", reason=f"{device!r} does not match '^/dev/[a-z]+'")
    tag = common.string(body, "tag", nullable=True, max_len=60)
    delete_on_termination = bool(common.boolean(body, "delete_on_termination", default=False))
    bdm = req.svc.servers.attach_volume(req.ctx, row, str(volume_id), device, tag,
                                        delete_on_termination)
    return {"volumeAttachment": volume_attachment(req.at_least, bdm)}


@router.delete(f"{BASE}/{{volume_id}}", status=202)
def delete(req: ApiRequest) -> None:
    row = server_for(req, "os_compute_api:os-volumes-attachments:delete")
    req.svc.servers.detach_volume(req.ctx, row, req.params["volume_id"])
