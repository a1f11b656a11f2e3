"""``/servers/{id}/metadata``: a server's metadata items."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas import servers as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()
META = f"{V}/servers/{{server_id}}/metadata"


@router.get(META)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's metadata."""
    row = server_for(req, "os_compute_api:server-metadata:index")
    return {"metadata": dict(row.metadata_items or {})}


@router.post(META, body=schemas.METADATA_BODY, faults=(403,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Add or change metadata items, keeping the others."""
    row = server_for(req, "os_compute_api:server-metadata:create")
    merged = dict(row.metadata_items or {}, **req.json["metadata"])
    req.svc.quotas.check_metadata(row.project_id, len(merged))
    return {"metadata": req.svc.servers.update(row, metadata_items=merged).metadata_items}


@router.put(META, body=schemas.METADATA_BODY, faults=(403,))
def replace(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Replace all of a server's metadata."""
    row = server_for(req, "os_compute_api:server-metadata:update_all")
    items = dict(req.json["metadata"])
    req.svc.quotas.check_metadata(row.project_id, len(items))
    return {"metadata": req.svc.servers.update(row, metadata_items=items).metadata_items}


@router.get(f"{META}/{{key}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one metadata item."""
    row = server_for(req, "os_compute_api:server-metadata:show")
    key = req.params["key"]
    if key not in (row.metadata_items or {}):
        raise NotFound("Metadata item was not found")
    return {"meta": {key: row.metadata_items[key]}}


@router.put(f"{META}/{{key}}", body=schemas.META_ITEM_BODY, faults=(403,))
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Set one metadata item."""
    row = server_for(req, "os_compute_api:server-metadata:update")
    item = dict(req.json["meta"])
    if list(item) != [req.params["key"]]:
        raise BadRequest("Request body and URI mismatch")
    merged = dict(row.metadata_items or {}, **item)
    req.svc.quotas.check_metadata(row.project_id, len(merged))
    req.svc.servers.update(row, metadata_items=merged)
    return {"meta": item}


@router.delete(f"{META}/{{key}}", status=204)
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete one metadata item."""
    row = server_for(req, "os_compute_api:server-metadata:delete")
    items = dict(row.metadata_items or {})
    if req.params["key"] not in items:
        raise NotFound("Metadata item was not found")
    del items[req.params["key"]]
    req.svc.servers.update(row, metadata_items=items)
