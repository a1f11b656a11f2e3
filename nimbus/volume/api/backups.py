"""Backups: create, list, show, update, delete, restore, export and import, admin actions."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import (
    VolumeRouter,
    base_url,
    ctx_dict,
    listing_scope,
    next_link,
    page_query,
    scope,
)
from nimbus.volume.errors import InvalidInput
from nimbus.volume.manager.backups import BackupFilters
from nimbus.volume.schemas import backups as schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()

_ADMIN = "volume_extension:backup_admin_actions"


def _summary(req: ApiRequest[VolumeState], backup: dict[str, Any]) -> dict[str, Any]:
    return schema.summary(backup, base_url(req), str(req.ctx.project_id))


def _detail(req: ApiRequest[VolumeState], backup: dict[str, Any],
            owner_visible: bool) -> dict[str, Any]:
    return schema.detail(backup, base_url(req), str(req.ctx.project_id),
                         at_least=req.at_least, owner_visible=owner_visible)


def _owner_visible(req: ApiRequest[VolumeState]) -> bool:
    """Whether the caller may see whose a backup is (3.18's project, 3.56's user)."""
    return req.at_least("3.18") and req.allowed("backup:backup_project_attribute")


def _owned(req: ApiRequest[VolumeState], action: str) -> dict[str, Any]:
    """The backup the path names, if the caller may see it (another project's is not found)
    and ``action`` allows it on it."""
    backup = req.svc.backups.get(req.params["backup_id"], scope(req))
    req.enforce(action, target={"project_id": backup["project_id"]})
    return backup


# -- listing --------------------------------------------------------------------------------------
def _listing(req: ApiRequest[VolumeState], detailed: bool) -> dict[str, Any]:
    req.enforce("backup:get_all")
    project = listing_scope(req)
    filters = BackupFilters(project_id=project, name=req.args.get("name") or None,
                            status=req.args.get("status") or None,
                            volume_id=req.args.get("volume_id") or None,
                            # Another project's backups: only for those who list them all.
                            owner=(req.args.get("project_id") or None) if project is None
                            else None)
    query = page_query(req)
    found = req.svc.backups.listing(filters, query).items
    owner_visible = detailed and _owner_visible(req)
    items = [_detail(req, b, owner_visible) if detailed else _summary(req, b) for b in found]
    result: dict[str, Any] = {"backups": items}
    links = next_link(req, "backups/detail" if detailed else "backups", items, query.limit)
    if links:
        result["backups_links"] = links
    if req.at_least("3.45") and req.args.get("with_count"):
        result["count"] = req.svc.backups.count(filters)
    return result


@router.get("/backups", query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List backups (id, name and links)."""
    return _listing(req, detailed=False)


@router.get("/backups/detail", query=schema.LIST_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List backups with their details."""
    return _listing(req, detailed=True)


# -- one backup -----------------------------------------------------------------------------------
@router.post("/backups", status=202, body=schema.CREATE, faults=(404, 409, 413, 503))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Back up a volume (or one of its snapshots) into the object store."""
    spec = dict(req.json["backup"])
    # Cinder looks the volume up as the caller first: another project's is not found.
    volume = req.svc.volumes.get(spec["volume_id"], scope(req))
    req.enforce("backup:create", target={"project_id": volume["project_id"]})
    spec["volume_id"] = volume["id"]
    for flag in ("incremental", "force"):
        spec[flag] = to_bool(spec.get(flag, False), flag)
    backup = req.svc.backups.create(ctx_dict(req), spec)
    return {"backup": _summary(req, backup)}


@router.get("/backups/{backup_id}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a backup."""
    backup = _owned(req, "backup:get")
    return {"backup": _detail(req, backup, _owner_visible(req))}


@router.put("/backups/{backup_id}", body=schema.UPDATE, min_version="3.9")
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Rename a backup, change its description or (3.43) its metadata."""
    changes = dict(req.json["backup"] or {})
    backup = _owned(req, "backup:update")
    updated = req.svc.backups.update(backup["id"], None, changes)
    return {"backup": _summary(req, updated)}


@router.delete("/backups/{backup_id}", status=202, faults=(503,))
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a backup and its data (not while incremental backups depend on it)."""
    backup = _owned(req, "backup:delete")
    req.svc.backups.delete(ctx_dict(req), backup["id"], None)
    return Reply(None, status=202)


@router.post("/backups/{backup_id}/restore", status=202, body=schema.RESTORE,
             faults=(404, 409, 413))
def restore(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Restore a backup into a new volume, or into an existing one (``volume_id``)."""
    spec = dict(req.json["restore"] or {})
    backup = _owned(req, "backup:restore")
    done = req.svc.backups.restore(ctx_dict(req), backup["id"], scope(req),
                                   spec.get("volume_id"), spec.get("name"))
    return {"restore": schema.restore_view(done)}


# -- export and import ----------------------------------------------------------------------------
@router.get("/backups/{backup_id}/export_record")
def export_record(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """A backup's record, to import it again (into this cloud after a database loss, or
    another one reading the same object store)."""
    backup = _owned(req, "backup:export-import")
    return {"backup-record": req.svc.backups.export(backup["id"], None)}


@router.post("/backups/import_record", status=201, body=schema.IMPORT, faults=(503,))
def import_record(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Import a backup's exported record as a backup of the caller's project."""
    req.enforce("backup:backup-import")
    record = req.json["backup-record"]
    backup = req.svc.backups.import_record(ctx_dict(req), str(record["backup_service"]),
                                           str(record["backup_url"]))
    return {"backup": _summary(req, backup)}


# -- admin actions --------------------------------------------------------------------------------
@router.post("/backups/{backup_id}/action", status=202, body=schema.ACTION, faults=(503,))
def action(req: ApiRequest[VolumeState]) -> Reply:
    """Reset a backup's status (``os-reset_status``) or delete it whatever its status
    (``os-force_delete``)."""
    ((name, arg),) = req.json.items()
    if name == "os-reset_status":
        backup = _owned(req, f"{_ADMIN}:reset_status")
        status = str(arg["status"]).lower()
        if status not in ("available", "error"):
            raise InvalidInput(reason=f"Backup status: {arg['status']} is invalid, valid "
                                      "statuses are: ['available', 'error'].")
        req.svc.backups.reset_status(backup["id"], status)
    else:
        backup = _owned(req, f"{_ADMIN}:force_delete")
        req.svc.backups.delete(ctx_dict(req), backup["id"], None, force=True)
    return Reply(None, status=202)
