"""Generic volume groups (3.13): create, list, show, update, the group actions (delete,
reset_status, replication) and create-from-src (3.14)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import NotFound
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
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()
V = "3.13"
# The microversion each group action arrived in.
_ACTION_VERSIONS = {"delete": "3.13", "reset_status": "3.20", "enable_replication": "3.38",
                    "disable_replication": "3.38", "failover_replication": "3.38",
                    "list_replication_targets": "3.38"}
_ACTION_RULES = {"delete": "group:delete", "reset_status": "group:reset_status",
                 "enable_replication": "group:enable_replication",
                 "disable_replication": "group:disable_replication",
                 "failover_replication": "group:failover_replication",
                 "list_replication_targets": "group:list_replication_targets"}


def _view(req: ApiRequest[VolumeState], group: dict[str, Any]) -> dict[str, Any]:
    return schema.detail(group, req.at_least, bool(req.args.get("list_volume")),
                         req.allowed("group:group_project_attribute"))


def _load(req: ApiRequest[VolumeState], rule: str, with_volumes: bool = False) -> dict[str, Any]:
    group = req.svc.groups.get(req.params["group_id"], scope(req), with_volumes)
    req.enforce(rule, target={"project_id": group["project_id"]})
    return group


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else value


@router.post("/groups", min_version=V, status=202, body=schema.CREATE, faults=(404,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Create a group of a group type, for volumes of the given volume types."""
    req.enforce("group:create")
    spec = req.json["group"]
    group = req.svc.groups.create(ctx_dict(req), _stripped(spec.get("name")),
                                  _stripped(spec.get("description")), spec["group_type"],
                                  list(spec["volume_types"]), spec.get("availability_zone"))
    return {"group": schema.summary(group)}


@router.post("/groups/action", min_version="3.14", status=202, body=schema.CREATE_FROM_SOURCE,
             faults=(404,))
def create_from_src(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Create a group from a group snapshot or a source group, with copies of its volumes."""
    req.enforce("group:create")
    spec = req.json["create-from-src"]
    group = req.svc.groups.create_from_src(
        ctx_dict(req), _stripped(spec.get("name")), _stripped(spec.get("description")),
        spec.get("group_snapshot_id"), spec.get("source_group_id"), scope(req))
    return {"group": schema.summary(group)}


def _listing(req: ApiRequest[VolumeState], detailed: bool) -> dict[str, Any]:
    req.enforce("group:get_all")
    filters = GroupFilters(project_id=listing_scope(req), name=req.args.get("name"),
                           status=req.args.get("status"))
    query = page_query(req)
    with_volumes = detailed and req.at_least("3.25") and bool(req.args.get("list_volume"))
    found = req.svc.groups.listing(filters, query, with_volumes).items
    items = [_view(req, g) if detailed else schema.summary(g) for g in found]
    result: dict[str, Any] = {"groups": items}
    links = next_link(req, "groups/detail" if detailed else "groups", items, query.limit)
    if links:
        result["group_links"] = links
    return result


@router.get("/groups", min_version=V, query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List groups (id and name)."""
    return _listing(req, detailed=False)


@router.get("/groups/detail", min_version=V, query=schema.LIST_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List groups with details."""
    return _listing(req, detailed=True)


@router.get("/groups/{group_id}", min_version=V, query=schema.SHOW_QUERY)
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a group (3.25: with ``list_volume``, its volumes' ids)."""
    with_volumes = req.at_least("3.25") and bool(req.args.get("list_volume"))
    return {"group": _view(req, _load(req, "group:get", with_volumes))}


@router.put("/groups/{group_id}", min_version=V, status=202, body=schema.UPDATE)
def update(req: ApiRequest[VolumeState]) -> Reply:
    """Rename a group, or add and remove volumes (ids separated by commas)."""
    spec = req.json["group"]
    group = _load(req, "group:update")
    req.svc.groups.update(group["id"], None, _stripped(spec.get("name")),
                          _stripped(spec.get("description")), spec.get("add_volumes"),
                          spec.get("remove_volumes"))
    return Reply(None, status=202)


@router.post("/groups/{group_id}/action", min_version=V, status=202, also=(200,),
             body=schema.GROUP_ACTION, faults=(404,))
def action(req: ApiRequest[VolumeState]) -> Any:
    """Run one group action: delete, reset_status (3.20), or the replication ones (3.38)."""
    ((name, arg),) = req.json.items()
    if not req.at_least(_ACTION_VERSIONS[name]):
        raise NotFound(f"The {name} action needs microversion {_ACTION_VERSIONS[name]}.",
                       resource="action", id=name)
    group = _load(req, _ACTION_RULES[name])
    arg = arg or {}
    if name == "delete":
        req.svc.groups.delete(ctx_dict(req), group["id"], None,
                              to_bool(arg.get("delete-volumes", False), "delete-volumes"))
    elif name == "reset_status":
        status = str(arg["status"]).lower()
        if status not in schema.VALID_GROUP_STATUSES:
            raise InvalidInput(reason=f"Group status: {arg['status']} is invalid, valid "
                                      f"statuses are: {schema.VALID_GROUP_STATUSES}.")
        req.svc.groups.reset_status(group["id"], status)
    else:
        # No backend here replicates: each of these is refused with Cinder's reason.
        req.svc.groups.replication(group["id"], None)
    return Reply(None, status=202)
