"""``/servers/{id}/os-instance-actions``: what was done to a server, and how it went."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.db import api as dbapi
from nimbus.compute.db.models import InstanceAction
from nimbus.core.api.routing import ApiRequest, Router

router = Router()


def _time(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def _action(req: ApiRequest, action: InstanceAction) -> dict[str, Any]:
    body = {"action": action.action, "instance_uuid": action.instance_uuid,
            "message": action.message, "project_id": action.project_id,
            "request_id": action.request_id, "start_time": _time(action.start_time),
            "user_id": action.user_id}
    if req.at_least("2.58"):
        body["updated_at"] = _time(action.updated_at)
    return body


@router.get(f"{V}/servers/{{server_id}}/os-instance-actions")
def index(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:os-instance-actions:list")
    actions = dbapi.list_actions(req.svc.db, row.uuid)
    return {"instanceActions": [_action(req, a) for a in actions]}


@router.get(f"{V}/servers/{{server_id}}/os-instance-actions/{{request_id}}")
def show(req: ApiRequest) -> dict[str, Any]:
    row = server_for(req, "os_compute_api:os-instance-actions:show")
    action, events = dbapi.get_action(req.svc.db, row.uuid, req.params["request_id"])
    body = _action(req, action)
    target = {"project_id": row.project_id}
    show_events = req.at_least("2.51") or req.allowed("os_compute_api:os-instance-actions:events",
                                                      target)
    details = req.allowed("os_compute_api:os-instance-actions:events:details", target)
    if show_events:
        shaped = []
        for event in events:
            item: dict[str, Any] = {"event": event.event, "start_time": _time(event.start_time),
                                    "finish_time": _time(event.finish_time),
                                    "result": event.result}
            if details:
                item["traceback"] = event.traceback
            if req.at_least("2.62"):
                if details:
                    item["host"] = event.host or ""
                item["hostId"] = hashlib.sha224(
                    (row.project_id + (event.host or "")).encode()).hexdigest() if event.host else ""
            if req.at_least("2.84") and details:
                item["details"] = None
            shaped.append(item)
        body["events"] = shaped
    return {"instanceAction": body}
