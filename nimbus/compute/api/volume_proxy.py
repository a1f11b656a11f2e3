"""``/os-volumes`` and ``/os-snapshots``: Nova's deprecated proxies to the block-storage API.

They exist up to 2.35; from 2.36 on every route here is a 404, as in Nova. What the caller
sees is what Cinder shows the caller (see ``manager/volume_proxy.py``).
"""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import volume_proxy as schemas
from nimbus.compute.schemas.volume_proxy import MAX_VERSION
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()
RULE = "os_compute_api:os-volumes:{}"


def _page(req: ApiRequest[ComputeState]) -> tuple[int | None, int | None]:
    return req.args.get("limit"), req.args.get("offset")


# -- volumes -----------------------------------------------------------------------------------
@router.get(f"{V}/os-volumes", max_version=MAX_VERSION, query=schemas.LIST_QUERY)
def list_volumes(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the caller's volumes."""
    req.enforce(RULE.format("list"))
    found = req.svc.volume_proxy.list_volumes(req.ctx, *_page(req))
    return {"volumes": [schemas.volume(v) for v in found]}


# Before ``/os-volumes/{volume_id}``, which would take ``detail`` for an id.
@router.get(f"{V}/os-volumes/detail", max_version=MAX_VERSION, query=schemas.LIST_QUERY)
def list_volumes_detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the caller's volumes, in full (the same view as the list, as in Nova)."""
    req.enforce(RULE.format("detail"))
    found = req.svc.volume_proxy.list_volumes(req.ctx, *_page(req))
    return {"volumes": [schemas.volume(v) for v in found]}


@router.get(f"{V}/os-volumes/{{volume_id}}", max_version=MAX_VERSION, faults=(404,))
def show_volume(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one volume."""
    req.enforce(RULE.format("show"))
    vol = req.svc.volume_proxy.get_volume(req.ctx, req.params["volume_id"])
    return {"volume": schemas.volume(vol)}


@router.post(f"{V}/os-volumes", max_version=MAX_VERSION, body=schemas.CREATE_VOLUME,
             faults=(403, 404))
def create_volume(req: ApiRequest[ComputeState]) -> Reply:
    """Create a volume in the caller's project."""
    req.enforce(RULE.format("create"))
    vol = req.svc.volume_proxy.create_volume(req.ctx, req.json["volume"])
    return Reply({"volume": schemas.volume(vol)},
                 headers={"Location": f"{req.service_url}{V}/os-volumes/{vol['id']}"})


@router.delete(f"{V}/os-volumes/{{volume_id}}", status=202, max_version=MAX_VERSION,
               faults=(404,))
def delete_volume(req: ApiRequest[ComputeState]) -> None:
    """Delete a volume."""
    req.enforce(RULE.format("delete"))
    req.svc.volume_proxy.delete_volume(req.ctx, req.params["volume_id"])


# -- snapshots ---------------------------------------------------------------------------------
@router.get(f"{V}/os-snapshots", max_version=MAX_VERSION, query=schemas.LIST_QUERY)
def list_snapshots(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the caller's volume snapshots."""
    req.enforce(RULE.format("snapshots:list"))
    found = req.svc.volume_proxy.list_snapshots(req.ctx, *_page(req))
    return {"snapshots": [schemas.snapshot(s) for s in found]}


@router.get(f"{V}/os-snapshots/detail", max_version=MAX_VERSION, query=schemas.LIST_QUERY)
def list_snapshots_detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the caller's volume snapshots, in full."""
    req.enforce(RULE.format("snapshots:detail"))
    found = req.svc.volume_proxy.list_snapshots(req.ctx, *_page(req))
    return {"snapshots": [schemas.snapshot(s) for s in found]}


@router.get(f"{V}/os-snapshots/{{snapshot_id}}", max_version=MAX_VERSION, faults=(404,))
def show_snapshot(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one volume snapshot."""
    req.enforce(RULE.format("snapshots:show"))
    snap = req.svc.volume_proxy.get_snapshot(req.ctx, req.params["snapshot_id"])
    return {"snapshot": schemas.snapshot(snap)}


@router.post(f"{V}/os-snapshots", max_version=MAX_VERSION, body=schemas.CREATE_SNAPSHOT,
             faults=(403, 404))
def create_snapshot(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Snapshot a volume (``force`` for one in use)."""
    req.enforce(RULE.format("snapshots:create"))
    snap = req.svc.volume_proxy.create_snapshot(req.ctx, req.json["snapshot"])
    return {"snapshot": schemas.snapshot(snap)}


@router.delete(f"{V}/os-snapshots/{{snapshot_id}}", status=202, max_version=MAX_VERSION,
               faults=(404,))
def delete_snapshot(req: ApiRequest[ComputeState]) -> None:
    """Delete a volume snapshot."""
    req.enforce(RULE.format("snapshots:delete"))
    req.svc.volume_proxy.delete_snapshot(req.ctx, req.params["snapshot_id"])
