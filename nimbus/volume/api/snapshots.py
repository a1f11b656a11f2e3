"""Snapshots: create, list, show, update, delete."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import NotFound
from nimbus.volume.api.common import (
    VolumeRouter,
    all_projects,
    ctx_dict,
    limit_marker,
    scope,
    sort_params,
)
from nimbus.volume.schemas import snapshots as schema
from nimbus.volume.schemas.common import to_bool, validate

router = VolumeRouter()


def _view(req: ApiRequest, snap: dict[str, Any]) -> dict[str, Any]:
    return schema.view(snap, admin=req.ctx.is_admin, at_least=req.at_least)


def _summary(req: ApiRequest, snap: dict[str, Any]) -> dict[str, Any]:
    """Create, update and the plain listing leave out the extended attributes, as Cinder
    does (clients check these bodies against closed schemas)."""
    return {k: v for k, v in _view(req, snap).items() if k not in schema.EXTENDED}


def _sorted(found: list[dict[str, Any]], keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    if not keys:
        return found
    for key, direction in reversed(keys):   # stable sorts, least significant key first
        def order(snap: dict[str, Any], key: str = key) -> tuple[bool, Any]:
            value = snap.get(key)
            return value is not None, value if value is not None else ""

        found = sorted(found, key=order, reverse=direction == "desc")
    return found


def _listing(req: ApiRequest, detailed: bool) -> dict[str, Any]:
    req.enforce("volume:get_all_snapshots")
    every = all_projects(req) and req.ctx.is_admin and (req.query_bool("all_tenants") or False)
    filters = {k: v for k in ("status", "volume_id", "name") if (v := req.query.get(k))}
    keys = sort_params(req)
    found = _sorted(req.svc.snapshots.list(None if every else req.ctx.project_id, filters), keys)
    limit, marker = limit_marker(req)
    if marker:
        ids = [s["id"] for s in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker} could not be found.", resource="marker", id=marker)
        found = found[ids.index(marker) + 1:]
    if limit is not None:
        found = found[:limit]
    views = [(_view if detailed else _summary)(req, s) for s in found]
    return {"snapshots": views}


@router.get("/snapshots")
def index(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detailed=False)


@router.get("/snapshots/detail")
def detail(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detailed=True)


@router.post("/snapshots", status=202)
def create(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    spec = body.get("snapshot") if isinstance(body, dict) else None
    if isinstance(spec, dict) and "volume_id" in spec and spec["volume_id"] is None:
        # Cinder looks the volume up before anything else: no id is a volume not found.
        raise NotFound("Volume None could not be found.", resource="volume", id="None")
    validate(schema.CREATE, body)
    spec = body["snapshot"]
    vol = req.svc.volumes.get(spec["volume_id"], scope(req))
    req.enforce("volume:create_snapshot", target={"project_id": vol["project_id"]})
    snap = req.svc.snapshots.create(
        ctx_dict(req), vol["id"], None, spec.get("name", spec.get("display_name")),
        spec.get("description", spec.get("display_description")), spec.get("metadata") or {},
        to_bool(spec.get("force", False), "force"))
    return {"snapshot": _summary(req, snap)}


def _owned(req: ApiRequest, action: str) -> dict[str, Any]:
    snap = req.svc.snapshots.get(req.params["snapshot_id"], scope(req))
    req.enforce(action, target={"project_id": snap["project_id"]})
    return dict(snap)


@router.get("/snapshots/{snapshot_id}")
def show(req: ApiRequest) -> dict[str, Any]:
    return {"snapshot": _view(req, _owned(req, "volume:get_snapshot"))}


@router.put("/snapshots/{snapshot_id}")
def update(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.UPDATE, body)
    snap = _owned(req, "volume:update_snapshot")
    spec = body["snapshot"]
    changes: dict[str, Any] = {}
    for key, alias in (("name", "display_name"), ("description", "display_description")):
        if key in spec or alias in spec:
            changes[key] = spec.get(key, spec.get(alias))
    return {"snapshot": _summary(req, req.svc.snapshots.update(snap["id"], None, changes))}


@router.delete("/snapshots/{snapshot_id}", status=202)
def delete(req: ApiRequest) -> Reply:
    snap = _owned(req, "volume:delete_snapshot")
    req.svc.snapshots.delete(ctx_dict(req), snap["id"], None)
    return Reply(None, status=202)
