"""Helpers every compute API module uses: the caller's view, and finding a server."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.models import Instance
from nimbus.compute.schemas.servers import ViewContext
from nimbus.core.api.routing import ApiRequest

V = "/v2.1"


def view_of(req: ApiRequest) -> ViewContext:
    registry = req.svc.cloud.registry
    return ViewContext(
        base_url=req.service_url, at_least=req.at_least, is_admin=req.ctx.is_admin,
        show_extended=req.allowed("os_compute_api:os-extended-server-attributes"),
        show_host_status=req.allowed("os_compute_api:servers:show:host_status"),
        host_up=lambda host: registry.is_up("nova-compute", host),
    )


def server_for(req: ApiRequest, action: str, server_id: str | None = None) -> Instance:
    """The server in the path, visible to the caller (404 otherwise), with ``action`` enforced."""
    row = req.svc.servers.get(req.ctx, server_id or req.params["server_id"])
    req.enforce(action, {"project_id": row.project_id, "user_id": row.user_id})
    return row


def body_of(req: ApiRequest, key: str) -> dict[str, Any]:
    return req.body_dict(key)
