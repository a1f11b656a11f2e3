"""``/os-migrations`` (every move, for administrators) and ``/servers/{id}/migrations`` (a
server's live migration in progress)."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, next_links, server_for
from nimbus.compute.manager.migrations import IN_PROGRESS, Migration
from nimbus.compute.schemas import migrations as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.db.base import iso
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest

router = Router()


def _common(req: ApiRequest[ComputeState], row: Migration) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id, "source_compute": row.source_compute, "dest_compute": row.dest_compute,
        "source_node": row.source_compute, "dest_node": row.dest_compute,
        "dest_host": "127.0.0.1" if row.dest_compute else None, "status": row.status,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at) if row.updated_at else None,
    }
    if req.at_least("2.59"):
        body["uuid"] = row.uuid
    if req.at_least("2.80"):
        body.update(user_id=row.user_id, project_id=row.project_id)
    return body


@router.get(f"{V}/os-migrations", query=schemas.LIST_QUERY,
            policy="os_compute_api:os-migrations:index")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the migrations of every server (paged from 2.59)."""
    args = req.args
    paged = req.at_least("2.59")
    query = paging.page_query(req, sort=[]) if paged else PageQuery()
    found = req.svc.migrations.page(
        query, instance_uuid=args.get("instance_uuid"), host=args.get("host"),
        status=args.get("status"),
        migration_type=args.get("migration_type") if req.at_least("2.23") else None,
        project_id=args.get("project_id") if req.at_least("2.80") else None,
        user_id=args.get("user_id") if req.at_least("2.80") else None)
    out = []
    # Nova shows the flavors' own (integer) ids, not their flavorids.
    flavor_ids = req.svc.migrations.flavor_ids(found.items)
    for row in found.items:
        body = _common(req, row)
        body.update(instance_uuid=row.instance_uuid,
                    old_instance_type_id=flavor_ids.get(row.old_flavor_id),
                    new_instance_type_id=flavor_ids.get(row.new_flavor_id))
        if req.at_least("2.23"):
            body["migration_type"] = row.migration_type
            if row.migration_type == "live-migration" and row.status in IN_PROGRESS:
                base = f"{req.service_url}/v2.1/servers/{row.instance_uuid}/migrations/{row.id}"
                body["links"] = [{"rel": "self", "href": base},
                                 {"rel": "bookmark", "href": base.replace("/v2.1", "")}]
        out.append(body)
    result: dict[str, Any] = {"migrations": out}
    links = next_links(req, found.items, lambda m: m.uuid) if paged else []
    if links:
        result["migrations_links"] = links
    return result


def _server_view(req: ApiRequest[ComputeState], row: Migration) -> dict[str, Any]:
    body = _common(req, row)
    body.update(server_uuid=row.instance_uuid, memory_total_bytes=None,
                memory_processed_bytes=None, memory_remaining_bytes=None,
                disk_total_bytes=None, disk_processed_bytes=None, disk_remaining_bytes=None)
    return body


@router.get(f"{V}/servers/{{server_id}}/migrations", min_version="2.23")
def server_index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a server's live migrations in progress."""
    row = server_for(req, "os_compute_api:servers:migrations:index")
    return {"migrations": [_server_view(req, m)
                           for m in req.svc.migrations.live_in_progress(row.uuid)]}


def _one(req: ApiRequest[ComputeState], rule: str) -> Migration:
    row = server_for(req, rule)
    return req.svc.migrations.live_one(row.uuid, req.params["migration_id"])


@router.get(f"{V}/servers/{{server_id}}/migrations/{{migration_id}}", min_version="2.23")
def server_show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a server's live migration in progress."""
    return {"migration": _server_view(req, _one(req, "os_compute_api:servers:migrations:show"))}


@router.post(f"{V}/servers/{{server_id}}/migrations/{{migration_id}}/action",
             body=schemas.FORCE_COMPLETE, status=202, min_version="2.22", faults=(409,))
def force_complete(req: ApiRequest[ComputeState]) -> Reply:
    """Force a live migration to complete."""
    _one(req, "os_compute_api:servers:migrations:force_complete")
    # A live migration here completes in one step: there is never one left to force.
    raise BadRequest("The migration is not in a state that can be forced to complete.")


@router.delete(f"{V}/servers/{{server_id}}/migrations/{{migration_id}}", status=202,
               min_version="2.24", faults=(409,))
def abort(req: ApiRequest[ComputeState]) -> Reply:
    """Abort a live migration."""
    _one(req, "os_compute_api:servers:migrations:delete")
    raise BadRequest("The migration is not in a state that can be aborted.")
