"""``/servers/{id}/os-instance-actions``: what was done to a server, and how it went."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, changes_time, next_links, server_for
from nimbus.compute.schemas import instance_actions as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound

router = Router()


def _owner(req: ApiRequest[ComputeState], action: str) -> tuple[str, str]:
    """The (uuid, project) of the server in the path, with ``action`` enforced: a live one, or
    from 2.21 a deleted one, whose actions Nova keeps showing."""
    try:
        row = server_for(req, action)
        return row.uuid, row.project_id
    except NotFound:
        uuid = req.params["server_id"]
        owner = req.svc.actions.deleted_owner(uuid) if req.at_least("2.21") else None
        if owner is None or (not req.ctx.is_admin and owner[0] != req.ctx.project_id):
            raise
        req.enforce(action, {"project_id": owner[0], "user_id": owner[1]})
        return uuid, owner[0]


@router.get(f"{V}/servers/{{server_id}}/os-instance-actions", query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's actions (paged from 2.58)."""
    uuid, _project = _owner(req, "os_compute_api:os-instance-actions:list")
    if not req.at_least("2.58"):
        listed = req.svc.actions.page(uuid).items
        return {"instanceActions": [schemas.action(req.at_least, a) for a in listed]}
    since = changes_time(req, "changes-since")
    before = changes_time(req, "changes-before") if req.at_least("2.66") else None
    page = req.svc.actions.page(uuid, paging.page_query(req, sort=[]),
                                changes_since=since, changes_before=before)
    result: dict[str, Any] = {"instanceActions": [schemas.action(req.at_least, a)
                                                  for a in page.items]}
    links = next_links(req, page.items, lambda a: a.request_id)
    if links:
        result["links"] = links
    return result


@router.get(f"{V}/servers/{{server_id}}/os-instance-actions/{{request_id}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one action of a server, with its events as the caller may see them."""
    uuid, project = _owner(req, "os_compute_api:os-instance-actions:show")
    action, events = req.svc.actions.get(uuid, req.params["request_id"])
    body = schemas.action(req.at_least, action)
    target = {"project_id": project}
    show_events = req.at_least("2.51") or req.allowed("os_compute_api:os-instance-actions:events",
                                                      target)
    details = req.allowed("os_compute_api:os-instance-actions:events:details", target)
    if show_events:
        body["events"] = [schemas.event(req.at_least, e, project, details)
                          for e in events]
    return {"instanceAction": body}

