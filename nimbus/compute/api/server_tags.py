"""``/servers/{id}/tags`` (2.26+): a server's tags."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.schemas import servers as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import NotFound

router = Router()
TAGS = f"{V}/servers/{{server_id}}/tags"
SINCE = "2.26"


@router.get(TAGS, min_version=SINCE)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's tags."""
    row = server_for(req, "os_compute_api:os-server-tags:index")
    return {"tags": list(row.tags or [])}


@router.put(TAGS, min_version=SINCE, body=schemas.TAGS_BODY)
def replace(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Replace all of a server's tags."""
    row = server_for(req, "os_compute_api:os-server-tags:update_all")
    return {"tags": req.svc.servers.set_tags(row, req.json["tags"]).tags}


@router.delete(TAGS, status=204, min_version=SINCE)
def clear(req: ApiRequest[ComputeState]) -> None:
    """Remove all of a server's tags."""
    row = server_for(req, "os_compute_api:os-server-tags:delete_all")
    req.svc.servers.set_tags(row, [])


@router.get(f"{TAGS}/{{tag}}", status=204, min_version=SINCE)
def show(req: ApiRequest[ComputeState]) -> None:
    """Check that a server has a tag."""
    row = server_for(req, "os_compute_api:os-server-tags:show")
    if req.params["tag"] not in (row.tags or []):
        raise NotFound(f"Tag {req.params['tag']} could not be found.")


@router.put(f"{TAGS}/{{tag}}", status=201, also=(204,), min_version=SINCE,
            params=schemas.TAG_IN_PATH)
def add(req: ApiRequest[ComputeState]) -> Reply:
    """Add one tag to a server."""
    row = server_for(req, "os_compute_api:os-server-tags:update")
    tag = req.params["tag"]
    location = f"{req.service_url}/v2.1/servers/{row.uuid}/tags/{tag}"
    if tag in (row.tags or []):
        return Reply(None, status=204, headers={"Location": location})
    req.svc.servers.set_tags(row, [*(row.tags or []), tag])
    return Reply(None, status=201, headers={"Location": location})


@router.delete(f"{TAGS}/{{tag}}", status=204, min_version=SINCE)
def delete(req: ApiRequest[ComputeState]) -> None:
    """Remove one tag from a server."""
    row = server_for(req, "os_compute_api:os-server-tags:delete")
    if req.params["tag"] not in (row.tags or []):
        raise NotFound(f"Tag {req.params['tag']} could not be found.")
    req.svc.servers.set_tags(row, [t for t in row.tags if t != req.params["tag"]])
