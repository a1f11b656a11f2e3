"""``/servers``: create, list, show, update and delete."""

from __future__ import annotations

from typing import Any

from nimbus.compute import networking, states
from nimbus.compute.api.common import V, server_for, view_of
from nimbus.compute.db import api as dbapi
from nimbus.compute.schemas import common
from nimbus.compute.schemas import servers as schema
from nimbus.compute.servers import update_fields
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()



@router.post(f"{V}/servers", status=202)
def create(req: ApiRequest) -> Reply:
    req.enforce("os_compute_api:servers:create")
    body = req.body_dict("server")
    spec = schema.parse_create(body, req.at_least)
    if spec["networks"] not in (None, "auto", "none"):
        req.enforce("os_compute_api:servers:create:attach_network")
    az = spec.get("availability_zone") or ""
    if ":" in az:
        req.enforce("os_compute_api:servers:create:forced_host")
    row = req.svc.servers.create(req.ctx, spec)
    view = view_of(req)
    server = schema.created(view, row, spec.get("admin_pass"))
    location = server["links"][0]["href"]
    return Reply({"server": server}, headers={"Location": location})


def _listing(req: ApiRequest, detail: bool) -> dict[str, Any]:
    name = "detail" if detail else "index"
    req.enforce(f"os_compute_api:servers:{name}")
    query = req.query
    project_id: str | None = req.ctx.project_id
    all_tenants = "all_tenants" in query and query.get("all_tenants", "").lower() not in (
        "0", "false", "off", "no")
    if all_tenants:
        req.enforce(f"os_compute_api:servers:{name}:get_all_tenants")
        project_id = None
    if req.ctx.is_admin and (query.get("project_id") or query.get("tenant_id")):
        project_id = query.get("project_id") or query.get("tenant_id")
    vm_states = None
    if query.get("status"):
        vm_states = states.vm_states_for_status(query["status"])
        if not vm_states and query["status"].upper() not in ("DELETED", "SOFT_DELETED"):
            raise BadRequest(f"Invalid status value: {query['status']}")
    image = (query.get("image") or "").rstrip("/").rsplit("/", 1)[-1] or None
    flavor = (query.get("flavor") or "").rstrip("/").rsplit("/", 1)[-1] or None
    rows = dbapi.query_instances(
        req.svc.db, project_id=project_id, name=query.get("name"), vm_states=vm_states,
        image=image, flavor=flavor,
        host=query.get("host") if req.ctx.is_admin else None)
    if query.get("tags") and req.at_least("2.26"):
        wanted = set(query["tags"].split(","))
        rows = [r for r in rows if wanted <= set(r.tags or [])]
    marker = query.get("marker")
    if marker:
        ids = [r.uuid for r in rows]
        if marker not in ids:
            raise BadRequest(f"marker [{marker}] not found")
        rows = rows[ids.index(marker) + 1:]
    limit = req.query_int("limit", minimum=0)
    more = limit is not None and len(rows) > limit
    if limit is not None:
        rows = rows[:limit]
    view = view_of(req)
    if detail:
        bdms = dbapi.attachments_for(req.svc.db, [r.uuid for r in rows])
        items = [schema.detail(view, r, bdms[r.uuid]) for r in rows]
    else:
        items = [schema.summary(view, r) for r in rows]
    result: dict[str, Any] = {"servers": items}
    if more and rows:
        path = "servers/detail" if detail else "servers"
        result["servers_links"] = [{"rel": "next", "href": f"{req.service_url}/v2.1/{path}"
                                    f"?limit={limit}&marker={rows[-1].uuid}"}]
    return result


@router.get(f"{V}/servers")
def index(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detail=False)


@router.get(f"{V}/servers/detail")
def detail(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detail=True)


@router.get(f"{V}/servers/{{server_id}}")
def show(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:servers:show")
    body = schema.detail(view_of(req), row, dbapi.attachments_of(req.svc.db, row.uuid))
    if req.at_least("2.71"):
        body["server_groups"] = []
    return {"server": body}


@router.put(f"{V}/servers/{{server_id}}")
def update(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:servers:update")
    body = req.body_dict("server")
    allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
    if req.at_least("2.19"):
        allowed.add("description")
    if req.at_least("2.90"):
        allowed.add("hostname")
    common.no_extra(body, allowed, "server")
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = common.string(body, "name", min_len=1)
    if "description" in body:
        fields["description"] = common.string(body, "description", nullable=True)
    if "accessIPv4" in body:
        fields["access_ipv4"] = common.string(body, "accessIPv4", nullable=True) or ""
    if "accessIPv6" in body:
        fields["access_ipv6"] = common.string(body, "accessIPv6", nullable=True) or ""
    if "hostname" in body:
        fields["hostname"] = common.string(body, "hostname", min_len=1, max_len=63)
    row = update_fields(req.svc, row, **fields)
    body = schema.detail(view_of(req), row, dbapi.attachments_of(req.svc.db, row.uuid))
    if req.at_least("2.71"):
        body["server_groups"] = []
    return {"server": body}


@router.delete(f"{V}/servers/{{server_id}}", status=204)
def delete(req: ApiRequest) -> None:
    row = server_for(req, "os_compute_api:servers:delete")
    req.svc.servers.delete(req.ctx, row)


@router.get(f"{V}/servers/{{server_id}}/ips")
def ips(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:ips:index")
    return {"addresses": networking.addresses(list(row.ports or []))}


@router.get(f"{V}/servers/{{server_id}}/ips/{{network}}")
def ips_show(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:ips:show")
    addresses = networking.addresses(list(row.ports or []))
    label = req.params["network"]
    if label not in addresses:
        raise NotFound("Instance is not a member of specified network")
    return {label: addresses[label]}
