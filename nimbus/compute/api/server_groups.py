"""``/os-server-groups``: list, create, show and delete server groups."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import server_groups as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import ValidationError

router = Router()
RULE = "os_compute_api:os-server-groups:{}"
GROUP = f"{V}/os-server-groups/{{group_id}}"


def _unexpected(req: ApiRequest[ComputeState]) -> None:
    """From 2.75 the list refuses parameters it does not know, as Nova's schema does."""
    extra = sorted(set(req.query) - schemas.LIST_PARAMETERS)
    if extra and req.at_least("2.75"):
        shown = ", ".join(repr(name) for name in extra)
        raise ValidationError(
            f"Invalid input for query parameters {', '.join(extra)}. Value: "
            f"{req.query.get(extra[0])}. Additional properties are not allowed ({shown} "
            f"{'was' if len(extra) == 1 else 'were'} unexpected)", field=extra[0],
            reason="Additional properties are not allowed")


@router.get(f"{V}/os-server-groups", query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List server groups (every project's with ``all_projects``, for administrators)."""
    req.enforce(RULE.format("index"), {"project_id": req.ctx.project_id})
    _unexpected(req)
    # As in Nova, anyone may send all_projects; only an administrator's is acted on, and
    # then only if the all-projects rule allows it too.
    all_projects = "all_projects" in req.args and req.ctx.is_admin
    if all_projects:
        req.enforce(RULE.format("index:all_projects"), {"project_id": req.ctx.project_id})
    groups = req.svc.server_groups
    rows = groups.page(req.ctx, all_projects, req.args.get("limit"), req.args.get("offset"))
    members = groups.members(rows)
    return {"server_groups": [schemas.view(req.at_least, r, members[r.id]) for r in rows]}


@router.post(f"{V}/os-server-groups", body=schemas.CREATE)
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Create a server group."""
    req.enforce(RULE.format("create"), {"project_id": req.ctx.project_id})
    body = req.json["server_group"]
    policy = body["policy"] if req.at_least("2.64") else body["policies"][0]
    row = req.svc.server_groups.create(req.ctx, body["name"], policy, body.get("rules"))
    return {"server_group": schemas.view(req.at_least, row, [])}


@router.get(GROUP, params=schemas.GROUP_IN_PATH)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a server group and its members."""
    groups = req.svc.server_groups
    row = groups.get(req.ctx, req.params["group_id"])
    req.enforce(RULE.format("show"), {"project_id": row.project_id})
    return {"server_group": schemas.view(req.at_least, row, groups.members([row])[row.id])}


@router.delete(GROUP, status=204, params=schemas.GROUP_IN_PATH)
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete a server group."""
    groups = req.svc.server_groups
    row = groups.get(req.ctx, req.params["group_id"])
    req.enforce(RULE.format("delete"), {"project_id": row.project_id})
    groups.delete(row)
