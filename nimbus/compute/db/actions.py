"""Instance actions and their events: what was done to a server, and how it went."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import InstanceAction, InstanceActionEvent
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest, NotFound

# Newest first, as Nova lists them; ``request_id`` is the marker.
_COLUMNS = dict({"start_time": InstanceAction.start_time,
                            "id": InstanceAction.id,
                            "request_id": InstanceAction.request_id})


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
def start_event(db: Database, ctx: dict[str, Any], uuid: str, event: str,
                host: str | None) -> int | None:
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


def page_actions(db: Database, uuid: str, query: PageQuery, *,
                 changes_since: dt.datetime | None = None,
                 changes_before: dt.datetime | None = None,
                 max_limit: int | None = None) -> Page[InstanceAction]:
    """The server's actions, newest first; ``changes-since``/``-before`` bound ``updated_at``."""
    stmt = select(InstanceAction).filter_by(instance_uuid=uuid)
    if changes_since is not None:
        stmt = stmt.where(InstanceAction.updated_at >= changes_since)
    if changes_before is not None:
        stmt = stmt.where(InstanceAction.updated_at <= changes_before)
    with db.reader() as s:
        return page(s, stmt, query, columns=_COLUMNS, tiebreak="id",
                    default_sort=(("start_time", "desc"),),
                    marker_column=_COLUMNS["request_id"],
                    marker_stmt=select(InstanceAction).filter_by(instance_uuid=uuid),
                    max_limit=max_limit,
                    bad_marker=lambda m: BadRequest(f"Marker {m} could not be found."))


def get_action(db: Database, uuid: str,
               request_id: str) -> tuple[InstanceAction, list[InstanceActionEvent]]:
    if not storable_id(request_id):
        raise NotFound(f"Action for request_id {request_id} on instance {uuid} not found")
    with db.reader() as s:
        action = s.scalar(select(InstanceAction).filter_by(instance_uuid=uuid,
                                                           request_id=request_id))
        if action is None:
            raise NotFound(f"Action for request_id {request_id} on instance {uuid} not found")
        events = list(s.scalars(select(InstanceActionEvent).filter_by(action_id=action.id)
                                .order_by(InstanceActionEvent.id)).all())
    return action, events


@retry_on_lock()
def start_events(db: Database, requests: dict[str, str | None], event: str) -> dict[str, int]:
    """``start_event`` for many servers in one transaction (``{uuid: request id}``): each
    event goes to the server's action of that request (its latest without one). The event
    ids by uuid, for the servers that have such an action."""
    if not requests:
        return {}
    with db.writer() as s:
        latest: dict[str, InstanceAction] = {}
        stmt = (select(InstanceAction).where(InstanceAction.instance_uuid.in_(list(requests)))
                .order_by(InstanceAction.id))
        for action in s.scalars(stmt):
            wanted = requests.get(action.instance_uuid)
            if not wanted or action.request_id == wanted:
                latest[action.instance_uuid] = action
        if not latest:
            return {}
        uuids = list(latest)
        now = utcnow()
        # One statement for the batch, its ids back in the order of its rows.
        ids = s.scalars(
            insert(InstanceActionEvent).returning(InstanceActionEvent.id,
                                                  sort_by_parameter_order=True),
            [{"action_id": latest[u].id, "event": event, "host": None, "start_time": now}
             for u in uuids]).all()
        return dict(zip(uuids, (int(i) for i in ids), strict=True))


@retry_on_lock()
def finish_events(db: Database, event_ids: list[int], result: str) -> None:
    """``finish_event`` for many events in one transaction (no message, no traceback)."""
    if not event_ids:
        return
    now = utcnow()
    # Two statements whatever the batch: a scheduler finishes hundreds at once.
    with db.writer() as s:
        s.execute(update(InstanceActionEvent).where(InstanceActionEvent.id.in_(event_ids))
                  .values(result=result, finish_time=now)
                  .execution_options(synchronize_session=False))
        of_events = select(InstanceActionEvent.action_id).where(
            InstanceActionEvent.id.in_(event_ids)).scalar_subquery()
        s.execute(update(InstanceAction).where(InstanceAction.id.in_(of_events))
                  .values(updated_at=now).execution_options(synchronize_session=False))
