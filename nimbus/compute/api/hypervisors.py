"""``/os-hypervisors``: the hosts compute agents run on, their capacity and use."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, next_links
from nimbus.compute.manager.hypervisors import Hypervisor
from nimbus.compute.schemas import hypervisors as schemas
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest

router = Router()
BASE = f"{V}/os-hypervisors"


def _shape(req: ApiRequest[ComputeState], items: list[Hypervisor], detail: bool,
           with_servers: bool = False) -> list[dict[str, Any]]:
    manager = req.svc.hypervisors
    if detail:
        manager.with_resources(items)
    if with_servers:
        manager.with_servers(items)
    return [schemas.view(h, req.at_least, detail=detail, hypervisor_type=manager.hypervisor_type,
                         host_ip=manager.host_ip,
                         uptime=manager.uptime(h) if detail and req.at_least("2.88") else None,
                         with_servers=with_servers)
            for h in items]


def _listing(req: ApiRequest[ComputeState], detail: bool) -> dict[str, Any]:
    manager = req.svc.hypervisors
    uuids = req.at_least("2.53")
    pattern = req.args.get("hypervisor_hostname_pattern") if uuids else None
    with_servers = uuids and as_bool(req.args.get("with_servers", False))
    paged = req.at_least("2.33")
    if pattern is not None:
        if paged and ("limit" in req.args or req.args.get("marker")):
            raise BadRequest("Paging over hypervisors with the hypervisor_hostname_pattern "
                             "query parameter is not supported.")
        items = manager.matching(pattern)
        return {"hypervisors": _shape(req, items, detail, with_servers)}
    query = PageQuery(limit=paging.limit_of(req), marker=req.args.get("marker")) if paged \
        else PageQuery()
    items = manager.page(query, uuids).items
    result: dict[str, Any] = {"hypervisors": _shape(req, items, detail, with_servers)}
    if paged:
        ids = [str(h["id"]) for h in result["hypervisors"]]
        links = next_links(req, ids, lambda i: i)
        if links:
            result["hypervisors_links"] = links
    return result


@router.get(BASE, query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the hypervisors."""
    req.enforce("os_compute_api:os-hypervisors:list")
    return _listing(req, detail=False)


@router.get(f"{BASE}/detail", query=schemas.LIST_QUERY)
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the hypervisors with their details."""
    req.enforce("os_compute_api:os-hypervisors:list-detail")
    return _listing(req, detail=True)


@router.get(f"{BASE}/statistics", max_version="2.87")
def statistics(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Sum up the enabled hypervisors' capacity and use."""
    req.enforce("os_compute_api:os-hypervisors:statistics")
    return schemas.statistics(req.svc.hypervisors.statistics())


@router.get(f"{BASE}/{{hypervisor_id}}", query=schemas.SHOW_QUERY)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a hypervisor (and, from 2.53, the servers on it if asked)."""
    req.enforce("os_compute_api:os-hypervisors:show")
    uuids = req.at_least("2.53")
    with_servers = uuids and as_bool(req.args.get("with_servers", False))
    found = req.svc.hypervisors.get(req.params["hypervisor_id"], uuids)
    return {"hypervisor": _shape(req, [found], True, with_servers)[0]}


@router.get(f"{BASE}/{{hypervisor_id}}/uptime", max_version="2.87", faults=(501,))
def uptime(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show how long a hypervisor's host has been up."""
    req.enforce("os_compute_api:os-hypervisors:uptime")
    manager = req.svc.hypervisors
    found = manager.get(req.params["hypervisor_id"], req.at_least("2.53"))
    value = manager.uptime(found)
    if value is None:
        raise BadRequest(f"Compute service of {found.host} is unavailable at this time.")
    body = schemas.view(found, req.at_least, detail=False)
    body["uptime"] = value
    return {"hypervisor": body}


@router.get(f"{BASE}/{{hostname}}/search", max_version="2.52")
def search(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Find hypervisors whose host name contains a pattern (before 2.53)."""
    req.enforce("os_compute_api:os-hypervisors:search")
    items = req.svc.hypervisors.matching(req.params["hostname"])
    return {"hypervisors": _shape(req, items, False)}


@router.get(f"{BASE}/{{hostname}}/servers", max_version="2.52")
def servers(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Find hypervisors by host name pattern, with the servers on each (before 2.53)."""
    req.enforce("os_compute_api:os-hypervisors:servers")
    items = req.svc.hypervisors.with_servers(req.svc.hypervisors.matching(req.params["hostname"]))
    return {"hypervisors": [schemas.view(h, req.at_least, detail=False) for h in items]}
