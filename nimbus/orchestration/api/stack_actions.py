"""A stack's records and previews: export and abandon, snapshots and their restore, and
the preview of an update (PUT and PATCH)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Reply
from nimbus.orchestration.api.common import HeatRouter, Req, find
from nimbus.orchestration.manager import requests, stack_extras

router = HeatRouter()
_STACK = "/stacks/{stack_name}/{stack_id}"


@router.get(f"{_STACK}/export", policy_free=True)
def export(req: Req) -> dict[str, Any]:
    """Export a stack's record (what adopting it elsewhere needs)."""
    return stack_extras.export(req.svc.stacks.db, find(req, "stacks:export"))


@router.delete(f"{_STACK}/abandon", policy_free=True)
def abandon(req: Req) -> dict[str, Any]:
    """Abandon a stack: its record is given back and forgotten, its resources left."""
    row = find(req, "stacks:abandon")
    return stack_extras.abandon(req.svc.stacks.db, row)


@router.post(f"{_STACK}/snapshots", policy_free=True)
def snapshot(req: Req) -> dict[str, Any]:
    """Snapshot a stack."""
    row = find(req, "stacks:snapshot")
    body = req.json if req.raw_body else {}
    name = body.get("name") if isinstance(body, dict) else None
    return {"snapshot": stack_extras.snapshot(req.svc.stacks.db, row, name)}


@router.get(f"{_STACK}/snapshots", policy_free=True)
def snapshots(req: Req) -> dict[str, Any]:
    """List a stack's snapshots."""
    row = find(req, "stacks:list_snapshots")
    return {"snapshots": stack_extras.snapshots(req.svc.stacks.db, row)}


@router.get(f"{_STACK}/snapshots/{{snapshot_id}}", policy_free=True)
def show_snapshot(req: Req) -> dict[str, Any]:
    """Show a snapshot."""
    row = find(req, "stacks:show_snapshot")
    found = stack_extras.one_snapshot(req.svc.stacks.db, row, req.params["snapshot_id"])
    return {"snapshot": stack_extras.snapshot_view(found)}


@router.delete(f"{_STACK}/snapshots/{{snapshot_id}}", status=204, policy_free=True)
def delete_snapshot(req: Req) -> Reply:
    """Delete a snapshot."""
    row = find(req, "stacks:delete_snapshot")
    stack_extras.delete_snapshot(req.svc.stacks.db, row, req.params["snapshot_id"])
    return Reply(None, status=204)


@router.post(f"{_STACK}/snapshots/{{snapshot_id}}/restore", status=202, policy_free=True)
def restore(req: Req) -> Reply:
    """Restore a stack to a snapshot: an update back to what it recorded."""
    row = find(req, "stacks:restore_snapshot")
    found = stack_extras.one_snapshot(req.svc.stacks.db, row, req.params["snapshot_id"])
    req.svc.stacks.update(req.ctx, row, stack_extras.restore_request(found), patch=False)
    return Reply(None, status=202)


def _preview(req: Req, patch: bool) -> dict[str, Any]:
    row = find(req, "stacks:preview_update_patch" if patch else "stacks:preview_update")
    target = req.svc.stacks.target(row, requests.read(req.body_dict(),
                                                      template_required=not patch), patch)
    return stack_extras.preview_update(req.svc.stacks.loaded(row), row, target)


@router.put(f"{_STACK}/preview", policy_free=True)
def preview_update(req: Req) -> dict[str, Any]:
    """Preview what an update would change."""
    return _preview(req, patch=False)


@router.patch(f"{_STACK}/preview", policy_free=True)
def preview_update_patch(req: Req) -> dict[str, Any]:
    """Preview what an update keeping what it does not name would change."""
    return _preview(req, patch=True)
