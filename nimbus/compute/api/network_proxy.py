"""Nova's deprecated proxies to the network service (up to 2.35): ``/os-floating-ips``,
``/os-floating-ip-pools``, ``/os-networks`` and ``/os-tenant-networks``.

The network management they once fronted (nova-network) is gone: creating, deleting or
associating networks here answers 410 at every microversion, as Nova does.
"""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.manager.network_proxy import FloatingIpProxy
from nimbus.compute.schemas import network_proxy as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import Gone

router = Router()
PROXY = {"min_version": "2.1", "max_version": schemas.MAX_PROXY_VERSION}
FIP = "os_compute_api:os-floating-ips:{}"


def proxy(req: ApiRequest[ComputeState]) -> FloatingIpProxy:
    return FloatingIpProxy(req.svc.clients.network.acting_for(req.ctx.auth_token,
                                                              req.ctx.project_id))


@router.get(f"{V}/os-floating-ips", **PROXY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the project's floating IPs."""
    req.enforce(FIP.format("list"))
    return {"floating_ips": proxy(req).floating_ips(req.ctx.project_id)}


@router.post(f"{V}/os-floating-ips", body=schemas.ALLOCATE, faults=(403,), **PROXY)
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Allocate a floating IP from a pool to the project."""
    req.enforce(FIP.format("create"))
    pool = (req.json or {}).get("pool")
    return {"floating_ip": proxy(req).allocate(pool)}


@router.get(f"{V}/os-floating-ips/{{fip_id}}", **PROXY)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a floating IP."""
    req.enforce(FIP.format("show"))
    return {"floating_ip": proxy(req).floating_ip(req.params["fip_id"])}


@router.delete(f"{V}/os-floating-ips/{{fip_id}}", status=202, **PROXY)
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Release a floating IP."""
    req.enforce(FIP.format("delete"))
    proxy(req).release(req.params["fip_id"])
    return Reply(None, 202)


@router.get(f"{V}/os-floating-ip-pools", **PROXY)
def pools(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the floating IP pools: the external networks."""
    req.enforce("os_compute_api:os-floating-ip-pools", {})
    return {"floating_ip_pools": proxy(req).pools()}


@router.get(f"{V}/os-networks", **PROXY)
def networks(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the networks the caller sees."""
    req.enforce("os_compute_api:os-networks:list")
    return {"networks": [schemas.network_view(n, req.ctx.is_admin)
                         for n in proxy(req).networks()]}


@router.get(f"{V}/os-networks/{{network_id}}", **PROXY)
def network(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a network."""
    req.enforce("os_compute_api:os-networks:show")
    found = proxy(req).network(req.params["network_id"])
    return {"network": schemas.network_view(found, req.ctx.is_admin)}


@router.get(f"{V}/os-tenant-networks", **PROXY)
def tenant_networks(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the networks the project sees."""
    req.enforce("os_compute_api:os-tenant-networks:list")
    return {"networks": [schemas.tenant_network_view(n) for n in proxy(req).networks()]}


@router.get(f"{V}/os-tenant-networks/{{network_id}}", **PROXY)
def tenant_network(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show one of the networks the project sees."""
    req.enforce("os_compute_api:os-tenant-networks:show")
    return {"network": schemas.tenant_network_view(proxy(req).network(req.params["network_id"]))}


def _gone(req: ApiRequest[ComputeState]) -> Reply:
    """Managing networks through compute (nova-network) has been removed."""
    raise Gone("This API managed nova-network networks; it has been removed and is no longer "
               "available. Use the network service instead.")


# What nova-network alone could do: removed, at every microversion.
for _path, _method in ((f"{V}/os-networks", "POST"), (f"{V}/os-networks/add", "POST"),
                       (f"{V}/os-networks/{{network_id}}", "DELETE"),
                       (f"{V}/os-networks/{{network_id}}/action", "POST"),
                       (f"{V}/os-tenant-networks", "POST"),
                       (f"{V}/os-tenant-networks/{{network_id}}", "DELETE")):
    router.route(_path, [_method], policy_free=True, faults=(410,))(_gone)
