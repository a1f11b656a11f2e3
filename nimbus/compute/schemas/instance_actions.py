"""Instance actions and their events as the API shows them, and the list's query."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from nimbus.compute.db.models import InstanceAction, InstanceActionEvent
from nimbus.compute.schemas.common import AtLeast, without_nul
from nimbus.core.api import validation
from nimbus.core.api.validation import LIMIT, MARKER

# From 2.58 the list pages (``request_id`` is the marker) and filters by ``updated_at``
# (``changes-before`` from 2.66).
LIST_QUERY = without_nul(validation.query({
    "limit": LIMIT, "marker": MARKER,
    "changes-since": {"type": "string", "maxLength": 64},
    "changes-before": {"type": "string", "maxLength": 64},
}))


def _time(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def action(at_least: AtLeast, row: InstanceAction) -> dict[str, Any]:
    body = {"action": row.action, "instance_uuid": row.instance_uuid,
            "message": row.message, "project_id": row.project_id,
            "request_id": row.request_id, "start_time": _time(row.start_time),
            "user_id": row.user_id}
    if at_least("2.58"):
        body["updated_at"] = _time(row.updated_at)
    return body


def event(at_least: AtLeast, row: InstanceActionEvent, project_id: str,
          details: bool) -> dict[str, Any]:
    """One event; ``details`` (administrators): its traceback and host."""
    item: dict[str, Any] = {"event": row.event, "start_time": _time(row.start_time),
                            "finish_time": _time(row.finish_time), "result": row.result}
    if details:
        item["traceback"] = row.traceback
    if at_least("2.62"):
        if details:
            item["host"] = row.host or ""
        item["hostId"] = hashlib.sha224(
            (project_id + (row.host or "")).encode()).hexdigest() if row.host else ""
    if at_least("2.84") and details:
        item["details"] = None
    return item
