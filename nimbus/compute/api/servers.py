"""``/servers``: create, list, show, update and delete."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import (
    V,
    changes_time,
    next_links,
    server_for,
    tag_list,
    view_of,
)
from nimbus.compute.manager.server_requests import access_address
from nimbus.compute.manager.servers import Instance, Shown
from nimbus.compute.schemas import server_views
from nimbus.compute.schemas import servers as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()


@router.post(f"{V}/servers", status=202, body=schemas.CREATE, faults=(403, 404, 409))
def create(req: ApiRequest[ComputeState]) -> Reply:
    """Create a server."""
    req.enforce("os_compute_api:servers:create")
    server = req.json["server"]
    if server.get("networks") not in (None, "auto", "none"):
        req.enforce("os_compute_api:servers:create:attach_network")
    if ":" in (server.get("availability_zone") or ""):
        req.enforce("os_compute_api:servers:create:forced_host")
    if server.get("host") or server.get("hypervisor_hostname"):
        # 2.74: a host to build on, which the scheduler still checks (unlike a forced one).
        req.enforce("compute:servers:create:requested_destination")
    if server.get("block_device_mapping") or server.get("block_device_mapping_v2"):
        req.enforce("os_compute_api:servers:create:attach_volume")
    if "os:scheduler_hints" in req.json:
        hints = req.json["os:scheduler_hints"]
    else:
        hints = req.json.get("OS-SCH-HNT:scheduler_hints")
    if not req.at_least("2.19"):
        # Before descriptions could be given, a server's was its name (shown from 2.19).
        server = {**server, "description": server["name"]}
    made = req.svc.servers.create(req.ctx, server, hints)
    if made.return_reservation_id:
        return Reply({"reservation_id": made.reservation_id})
    body = server_views.created(view_of(req), made.rows[0], made.admin_pass)
    return Reply({"server": body}, headers={"Location": body["links"][0]["href"]})


def _last_part(value: str | None) -> str | None:
    """An id given as itself or as a link."""
    return (value or "").rstrip("/").rsplit("/", 1)[-1] or None


def _listing(req: ApiRequest[ComputeState], detail: bool) -> dict[str, Any]:
    name = "detail" if detail else "index"
    req.enforce(f"os_compute_api:servers:{name}")
    args = req.args
    project_id: str | None = req.ctx.project_id
    all_tenants = "all_tenants" in args and str(args["all_tenants"]).lower() \
        not in ("0", "false", "off", "no")
    if all_tenants:
        req.enforce(f"os_compute_api:servers:{name}:get_all_tenants")
        project_id = None
    # As in Nova, a project named without all_tenants is ignored: the caller's is listed.
    if all_tenants and req.ctx.is_admin and (args.get("project_id") or args.get("tenant_id")):
        project_id = args.get("project_id") or args.get("tenant_id")
    tags: dict[str, list[str]] = {}
    if req.at_least("2.26"):
        tags = {"tags": tag_list(args.get("tags")), "tags_any": tag_list(args.get("tags-any")),
                "not_tags": tag_list(args.get("not-tags")),
                "not_tags_any": tag_list(args.get("not-tags-any"))}
    query = paging.page_query(req, sort=paging.key_dir_pairs(req, default_dir="desc"))
    # Only what the list shows is read: from 2.96 the detail shows parts of the request spec.
    shown: Shown = "brief" if not detail else "detail_spec" if req.at_least("2.96") else "detail"
    page = req.svc.servers.page(
        req.ctx, query, locked_sorts=req.at_least("2.73"), project_id=project_id,
        strict_status=req.at_least("2.38"), shown=shown,
        status=args.get("status"), name=args.get("name"), image=_last_part(args.get("image")),
        flavor=_last_part(args.get("flavor")),
        host=args.get("host") if req.ctx.is_admin else None,
        reservation_id=args.get("reservation_id") or None,
        changes_since=changes_time(req, "changes-since"),
        changes_before=changes_time(req, "changes-before") if req.at_least("2.66") else None,
        addresses=_addresses(req), **tags)
    rows = page.items
    view = view_of(req)
    if detail:
        bdms = req.svc.volume_attachments.of_many([r.uuid for r in rows])
        items = [server_views.detail(view, r, bdms[r.uuid]) for r in rows]
    else:
        items = [server_views.summary(view, r) for r in rows]
    result: dict[str, Any] = {"servers": items}
    links = next_links(req, rows, lambda r: r.uuid)
    if links:
        result["servers_links"] = links
    return result


def _addresses(req: ApiRequest[ComputeState]) -> list[str] | None:
    """What an ``ip`` (and, from 2.5 or for an administrator, ``ip6``) filter asks for."""
    wanted = [req.args.get("ip")]
    if req.at_least("2.5") or req.ctx.is_admin:
        wanted.append(req.args.get("ip6"))
    parts = [str(w) for w in wanted if w]
    return parts or None


@router.get(f"{V}/servers", query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List servers."""
    return _listing(req, detail=False)


@router.get(f"{V}/servers/detail", query=schemas.LIST_QUERY)
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List servers with details."""
    return _listing(req, detail=True)


def _shown(req: ApiRequest[ComputeState], row: Instance, full: bool = True) -> dict[str, Any]:
    body = server_views.detail(view_of(req), row, req.svc.volume_attachments.of(row), full)
    if req.at_least("2.71"):
        body["server_groups"] = req.svc.server_groups.groups_of(row.uuid)
    return {"server": body}


@router.get(f"{V}/servers/{{server_id}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a server."""
    return _shown(req, server_for(req, "os_compute_api:servers:show"))


# The body's names, and the server's fields they set.
_UPDATABLE = {"name": "name", "description": "description", "accessIPv4": "access_ipv4",
              "accessIPv6": "access_ipv6", "hostname": "hostname"}


@router.put(f"{V}/servers/{{server_id}}", body=schemas.UPDATE)
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Update a server's name, description, access addresses or hostname."""
    row = server_for(req, "os_compute_api:servers:update")
    body = req.json["server"]
    fields = {column: body[key] for key, column in _UPDATABLE.items() if key in body}
    for key, column, version in (("accessIPv4", "access_ipv4", 4),
                                 ("accessIPv6", "access_ipv6", 6)):
        if key in body:
            fields[column] = access_address(body, key, version) or ""
    if "OS-DCF:diskConfig" in body:
        fields["auto_disk_config"] = body["OS-DCF:diskConfig"] == "AUTO"
    # Before 2.75 an update answered without what the extensions add to a show.
    return _shown(req, req.svc.servers.update(row, **fields), full=req.at_least("2.75"))


@router.delete(f"{V}/servers/{{server_id}}", status=204, faults=(409,))
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete a server."""
    row = server_for(req, "os_compute_api:servers:delete")
    req.svc.servers.delete(req.ctx, row)
