"""What a stack can do besides being made, changed and deleted: be exported or abandoned
(its record given back, its resources left as they are), adopted from such a record,
snapshotted and restored, and have an update previewed."""

from __future__ import annotations

import uuid
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest
from nimbus.orchestration.constants import TIME_FORMAT
from nimbus.orchestration.db import resources as resource_db
from nimbus.orchestration.db.models import Snapshot, Stack
from nimbus.orchestration.engine.loaded import Identity, LoadedStack
from nimbus.orchestration.manager.requests import StackRequest
from nimbus.orchestration.template import environment
from nimbus.orchestration.template.errors import EntityNotFound


def export(db: Database, row: Stack) -> dict[str, Any]:
    """The stack's record, enough to adopt it again elsewhere (Heat's abandon data)."""
    with db.reader() as session:
        rows = [r for r in resource_db.of_stack(session, row.id) if r.replaced_by is None]
    resources = {r.name: {"name": r.name, "type": r.type, "action": r.action,
                          "status": r.status, "resource_id": r.physical_id,
                          "resource_data": dict(r.data or {}), "metadata": r.metadata_ or {}}
                 for r in rows}
    return {"name": row.name, "id": row.id, "action": row.action, "status": row.status,
            "template": row.template, "files": row.files, "environment": row.environment,
            "project_id": row.project_id, "stack_user_project_id": row.project_id,
            "tags": row.tags or None, "resources": resources}


@retry_on_lock()
def abandon(db: Database, row: Stack) -> dict[str, Any]:
    """Export the stack and forget it: its resources stay in their services."""
    data = export(db, row)
    with db.writer() as session:
        found = session.get(Stack, row.id)
        if found is not None:
            for res in resource_db.of_stack(session, row.id):
                resource_db.remove(session, res.id)
            found.action, found.status = "DELETE", "COMPLETE"
            found.status_reason = "Stack ABANDON completed successfully"
            found.deleted_at = utcnow()
    return data


def adopt_data(raw: Any) -> dict[str, Any]:
    """The ``adopt_stack_data`` of a create (JSON text or a map), checked."""
    import json

    data = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError:
            raise BadRequest("Invalid adopt data: not JSON", heat_type="HTTPBadRequest") \
                from None
    if not isinstance(data, dict) or not isinstance(data.get("resources", {}), dict):
        raise BadRequest("Invalid adopt data: resources must be a map",
                         heat_type="HTTPBadRequest")
    return data


# -- snapshots ------------------------------------------------------------------------------
def snapshot_view(row: Snapshot) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "action": "SNAPSHOT", "status": row.status,
            "status_reason": row.status_reason, "data": row.data,
            "creation_time": row.created_at.strftime(TIME_FORMAT)}


@retry_on_lock()
def snapshot(db: Database, row: Stack, name: str | None) -> dict[str, Any]:
    """The stack as it stands now: its template, environment, parameters and each
    resource's record, kept to restore later."""
    if row.status == "IN_PROGRESS":
        from nimbus.core.errors import Conflict

        raise Conflict(f"Stack {row.name} already has an action ({row.action}) in progress.",
                       heat_type="ActionInProgress")
    data = {**export(db, row), "params": row.params}
    made = Snapshot(id=str(uuid.uuid4()), stack_id=row.id, name=name or "",
                    status="COMPLETE", status_reason="Stack SNAPSHOT completed successfully",
                    data=data, created_at=utcnow())
    with db.writer() as session:
        session.add(made)
    return snapshot_view(made)


def snapshots(db: Database, row: Stack) -> list[dict[str, Any]]:
    from sqlalchemy import select

    with db.reader() as session:
        found = session.scalars(select(Snapshot).where(Snapshot.stack_id == row.id)
                                .order_by(Snapshot.created_at))
        return [snapshot_view(s) for s in found]


def one_snapshot(db: Database, row: Stack, snapshot_id: str) -> Snapshot:
    with db.reader() as session:
        found = session.get(Snapshot, snapshot_id)
    if found is None or found.stack_id != row.id:
        raise EntityNotFound(entity="Snapshot", name=snapshot_id, heat_type="NotFound")
    return found


@retry_on_lock()
def delete_snapshot(db: Database, row: Stack, snapshot_id: str) -> None:
    one_snapshot(db, row, snapshot_id)
    with db.writer() as session:
        found = session.get(Snapshot, snapshot_id)
        if found is not None:
            session.delete(found)


def restore_request(found: Snapshot) -> StackRequest:
    """An update back to what the snapshot recorded."""
    data = dict(found.data or {})
    return StackRequest(template=data.get("template") or {}, files=data.get("files") or {},
                        environment=environment.read(data.get("environment") or {}),
                        params=data.get("params") or {})


# -- previewing an update -------------------------------------------------------------------
def preview_update(current: LoadedStack, row: Stack, target: dict[str, Any]) -> dict[str, Any]:
    """What an update would do to each resource: added, deleted, replaced, updated, or left
    unchanged (a plugin may still decide otherwise when the update runs)."""
    new = LoadedStack(Identity(row.id, row.name, row.project_id), target["template"],
                      target["files"], environment.read(target["environment"]),
                      target["params"], strict=True)
    new.validate()
    changes: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "added", "deleted", "replaced", "updated", "unchanged")}
    for name in new.definitions:
        state = current.resources.get(name)
        if state is None or state.action == "INIT":
            changes["added"].append(_brief(new, name, None))
            continue
        new_type = new.type_of(name)
        try:
            props = new.properties_of(name, require=False)
        except Exception:  # noqa: BLE001 - values known only once others change
            props = {}
        changed = {k for k in set(props) | set(state.properties)
                   if props.get(k) != state.properties.get(k)}
        if new_type != state.type:
            changes["replaced"].append(_brief(new, name, state))
        elif not changed:
            changes["unchanged"].append(_brief(new, name, state))
        else:
            cls = new.plugin_class(name)
            allowed = all(cls.PROPERTIES.get(k) is not None and cls.PROPERTIES[k].update_allowed
                          for k in changed)
            changes["updated" if allowed else "replaced"].append(_brief(new, name, state))
    for name, state in current.resources.items():
        if name not in new.definitions:
            changes["deleted"].append({"resource_name": name, "resource_type": state.type,
                                       "physical_resource_id": state.physical_id or "",
                                       "resource_action": state.action,
                                       "resource_status": state.status})
    return {"resource_changes": changes}


def _brief(stack: LoadedStack, name: str, state: Any) -> dict[str, Any]:
    return {"resource_name": name, "resource_type": stack.type_of(name),
            "physical_resource_id": (state.physical_id if state else "") or "",
            "resource_action": state.action if state else "INIT",
            "resource_status": state.status if state else "COMPLETE",
            "required_by": sorted(n for n, needs in stack.needs.items() if name in needs)}
