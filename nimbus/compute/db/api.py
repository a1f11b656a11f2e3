"""Queries and updates on compute rows, shared by the API side, the scheduler and the agent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.compute.db.models import (
    Instance,
    InstanceAction,
    InstanceActionEvent,
    VolumeAttachment,
)
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound


def instance_not_found(uuid: str) -> NotFound:
    return NotFound(f"Instance {uuid} could not be found.", resource="instance", id=uuid)


def get_instance(db: Database, uuid: str) -> Instance:
    with db.reader() as s:
        row = s.scalar(select(Instance).filter_by(uuid=uuid))
    if row is None:
        raise instance_not_found(uuid)
    return row


def find_instance(db: Database, uuid: str) -> Instance | None:
    with db.reader() as s:
        return s.scalar(select(Instance).filter_by(uuid=uuid))


@retry_on_lock()
def create_instance(db: Database, values: dict[str, Any]) -> Instance:
    with db.writer() as s:
        row = Instance(**values)
        s.add(row)
        s.flush()
        return row


@retry_on_lock()
def update_instance(db: Database, uuid: str, expected_task: Any = ..., **values: Any) -> Instance | None:
    """Set ``values`` on the server; None when it is gone or its task_state is not ``expected_task``."""
    with db.writer() as s:
        row = s.scalar(select(Instance).filter_by(uuid=uuid))
        if row is None:
            return None
        if expected_task is not ... and row.task_state != expected_task:
            return None
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        s.flush()
        return row


@retry_on_lock()
def destroy_instance(db: Database, uuid: str) -> None:
    with db.writer() as s:
        s.execute(delete(VolumeAttachment).filter_by(instance_uuid=uuid))
        s.execute(delete(Instance).filter_by(uuid=uuid))


def query_instances(db: Database, *, project_id: str | None = None, name: str | None = None,
                    vm_states: list[str] | None = None, image: str | None = None,
                    flavor: str | None = None, host: str | None = None) -> list[Instance]:
    stmt = select(Instance).order_by(Instance.created_at.desc(), Instance.id.desc())
    if project_id:
        stmt = stmt.filter_by(project_id=project_id)
    if vm_states is not None:
        stmt = stmt.where(Instance.vm_state.in_(vm_states))
    if image:
        stmt = stmt.filter_by(image_ref=image)
    if flavor:
        stmt = stmt.filter_by(flavor_id=flavor)
    if host:
        stmt = stmt.filter_by(host=host)
    with db.reader() as s:
        rows = list(s.scalars(stmt).all())
    if name:
        # Nova treats the name filter as a regular expression.
        import re

        try:
            pattern = re.compile(name)
        except re.error:
            pattern = re.compile(re.escape(name))
        rows = [r for r in rows if pattern.search(r.name)]
    return rows


# -- volume attachments ------------------------------------------------------------------------
def attachments_of(db: Database, uuid: str) -> list[VolumeAttachment]:
    with db.reader() as s:
        stmt = select(VolumeAttachment).filter_by(instance_uuid=uuid).order_by(
            VolumeAttachment.created_at, VolumeAttachment.device_name)
        return list(s.scalars(stmt).all())


def attachments_for(db: Database, uuids: list[str]) -> dict[str, list[VolumeAttachment]]:
    result: dict[str, list[VolumeAttachment]] = {u: [] for u in uuids}
    if not uuids:
        return result
    with db.reader() as s:
        rows = s.scalars(select(VolumeAttachment).where(VolumeAttachment.instance_uuid.in_(uuids)))
        for row in rows:
            result[row.instance_uuid].append(row)
    return result


@retry_on_lock()
def add_attachment(db: Database, values: dict[str, Any]) -> VolumeAttachment:
    with db.writer() as s:
        row = VolumeAttachment(**values)
        s.add(row)
        s.flush()
        return row


@retry_on_lock()
def update_attachment(db: Database, bdm_id: str, **values: Any) -> None:
    with db.writer() as s:
        row = s.get(VolumeAttachment, bdm_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)


@retry_on_lock()
def remove_attachment(db: Database, bdm_id: str) -> None:
    with db.writer() as s:
        s.execute(delete(VolumeAttachment).filter_by(id=bdm_id))


# -- instance actions --------------------------------------------------------------------------
@retry_on_lock()
def record_action(db: Database, ctx: dict[str, Any], uuid: str, action: str) -> int:
    with db.writer() as s:
        row = InstanceAction(instance_uuid=uuid, action=action,
                             request_id=str(ctx.get("request_id") or ""),
                             user_id=ctx.get("user_id"), project_id=ctx.get("project_id"))
        s.add(row)
        s.flush()
        return row.id


def _latest_action(s: Session, uuid: str, request_id: str | None) -> InstanceAction | None:
    stmt = select(InstanceAction).filter_by(instance_uuid=uuid)
    if request_id:
        stmt = stmt.filter_by(request_id=request_id)
    return s.scalar(stmt.order_by(InstanceAction.id.desc()).limit(1))


@retry_on_lock()
def start_event(db: Database, ctx: dict[str, Any], uuid: str, event: str, host: str | None) -> int | None:
    with db.writer() as s:
        action = _latest_action(s, uuid, ctx.get("request_id"))
        if action is None:
            return None
        row = InstanceActionEvent(action_id=action.id, event=event, host=host)
        s.add(row)
        s.flush()
        return row.id


@retry_on_lock()
def finish_event(db: Database, event_id: int | None, result: str, message: str | None = None,
                 traceback: str | None = None) -> None:
    if event_id is None:
        return
    with db.writer() as s:
        row = s.get(InstanceActionEvent, event_id)
        if row is None:
            return
        row.result = result
        row.finish_time = utcnow()
        row.traceback = traceback
        action = s.get(InstanceAction, row.action_id)
        if action is not None:
            action.updated_at = utcnow()
            if result == "Error":
                action.message = "Error"


def list_actions(db: Database, uuid: str) -> list[InstanceAction]:
    with db.reader() as s:
        stmt = select(InstanceAction).filter_by(instance_uuid=uuid).order_by(
            InstanceAction.start_time.desc(), InstanceAction.id.desc())
        return list(s.scalars(stmt).all())


def get_action(db: Database, uuid: str, request_id: str) -> tuple[InstanceAction, list[InstanceActionEvent]]:
    with db.reader() as s:
        action = s.scalar(select(InstanceAction).filter_by(instance_uuid=uuid, request_id=request_id))
        if action is None:
            raise NotFound(f"Action for request_id {request_id} on instance {uuid} not found")
        events = list(s.scalars(select(InstanceActionEvent).filter_by(action_id=action.id)
                                .order_by(InstanceActionEvent.id)).all())
    return action, events
