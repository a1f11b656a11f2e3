"""Group snapshots (3.14): create, list, show, delete, and an operator's reset_status (3.19)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import (
    VolumeRouter,
    ctx_dict,
    listing_scope,
    next_link,
    page_query,
    scope,
)
from nimbus.volume.errors import InvalidInput
from nimbus.volume.manager.groups import GroupFilters
from nimbus.volume.schemas import groups as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()
V = "3.14"


def _view(req: ApiRequest[VolumeState], snap: dict[str, Any]) -> dict[str, Any]:
    return schema.snapshot_detail(snap, req.at_least,
                                  req.allowed("group:group_snapshot_project_attribute"))


def _load(req: ApiRequest[VolumeState], rule: str) -> dict[str, Any]:
    snap = req.svc.group_snapshots.get(req.params["group_snapshot_id"], scope(req))
    req.enforce(rule, target={"project_id": snap["project_id"]})
    return snap


@router.post("/group_snapshots", min_version=V, status=202, body=schema.SNAPSHOT_CREATE,
             faults=(404,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Snapshot every volume of a group together."""
    spec = req.json["group_snapshot"]
    group = req.svc.groups.get(spec["group_id"], scope(req))
    req.enforce("group:create_group_snapshot", target={"project_id": group["project_id"]})
    snap = req.svc.group_snapshots.create(ctx_dict(req), group["id"], None, spec.get("name"),
                                          spec.get("description"))
    return {"group_snapshot": schema.snapshot_summary(snap)}


def _listing(req: ApiRequest[VolumeState], detailed: bool) -> dict[str, Any]:
    req.enforce("group:get_all_group_snapshots")
    filters = GroupFilters(project_id=listing_scope(req), name=req.args.get("name"),
                           status=req.args.get("status"), group_id=req.args.get("group_id"))
    query = page_query(req)
    found = req.svc.group_snapshots.listing(filters, query).items
    items = [_view(req, g) if detailed else schema.snapshot_summary(g) for g in found]
    result: dict[str, Any] = {"group_snapshots": items}
    links = next_link(req, "group_snapshots/detail" if detailed else "group_snapshots", items,
                      query.limit)
    if links:
        result["group_snapshot_links"] = links
    return result


@router.get("/group_snapshots", min_version=V, query=schema.SNAPSHOT_LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List group snapshots."""
    return _listing(req, detailed=False)


@router.get("/group_snapshots/detail", min_version=V, query=schema.SNAPSHOT_LIST_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List group snapshots with details."""
    return _listing(req, detailed=True)


@router.get("/group_snapshots/{group_snapshot_id}", min_version=V)
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a group snapshot."""
    return {"group_snapshot": _view(req, _load(req, "group:get_group_snapshot"))}


@router.delete("/group_snapshots/{group_snapshot_id}", min_version=V, status=202)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a group snapshot with its volumes' snapshots."""
    snap = _load(req, "group:delete_group_snapshot")
    req.svc.group_snapshots.delete(ctx_dict(req), snap["id"], None)
    return Reply(None, status=202)


@router.post("/group_snapshots/{group_snapshot_id}/action", min_version="3.19", status=202,
             body=schema.SNAPSHOT_ACTION)
def reset_status(req: ApiRequest[VolumeState]) -> Reply:
    """An operator's reset of a group snapshot's status."""
    snap = _load(req, "group:reset_group_snapshot_status")
    status = str(req.json["reset_status"]["status"]).lower()
    if status not in schema.VALID_GROUP_SNAPSHOT_STATUSES:
        raise InvalidInput(reason=f"Group snapshot status: {status} is invalid, valid statuses "
                                  f"are: {schema.VALID_GROUP_SNAPSHOT_STATUSES}.")
    req.svc.group_snapshots.reset_status(snap["id"], status)
    return Reply(None, status=202)
