"""Stacks, resources and events as Heat's API shows them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from nimbus.orchestration.constants import TIME_FORMAT
from nimbus.orchestration.db.models import Event, Resource, Stack


def when(value: dt.datetime | None) -> str | None:
    return value.strftime(TIME_FORMAT) if value is not None else None


def stack_link(base: str, row: Stack) -> str:
    return f"{base}/stacks/{row.name}/{row.id}"


def as_text(value: Any) -> str:
    """A parameter's value as Heat shows it: text, lists comma-joined, maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def stack(base: str, row: Stack, description: str = "", detail: bool = False,
          parameters: dict[str, Any] | None = None,
          outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": row.id, "stack_name": row.name, "description": description,
        "creation_time": when(row.created_at), "updated_time": when(row.updated_at),
        "deletion_time": when(row.deleted_at),
        "stack_status": f"{row.action}_{row.status}", "stack_status_reason": row.status_reason,
        "stack_owner": row.username or None, "parent": row.owner_id,
        "stack_user_project_id": row.project_id, "project": row.project_id,
        "tags": list(row.tags) if row.tags else None,
        "links": [{"href": stack_link(base, row), "rel": "self"}],
    }
    if detail:
        found.update({"template_description": description, "capabilities": [],
                      "notification_topics": [], "timeout_mins": row.timeout_mins,
                      "disable_rollback": row.disable_rollback,
                      "parameters": parameters or {}})
        if outputs is not None:
            found["outputs"] = outputs
    return found


def resource(base: str, stack_row: Stack, row: Resource, required_by: list[str],
             detail: bool = False, attributes: dict[str, Any] | None = None,
             nested_id: str | None = None, description: str = "",
             nested_name: str | None = None) -> dict[str, Any]:
    self_link = f"{stack_link(base, stack_row)}/resources/{row.name}"
    links = [{"href": self_link, "rel": "self"},
             {"href": stack_link(base, stack_row), "rel": "stack"}]
    if nested_id:
        links.append({"href": f"{base}/stacks/{nested_name or nested_id}/{nested_id}",
                      "rel": "nested"})
    found: dict[str, Any] = {
        "resource_name": row.name, "logical_resource_id": row.name,
        "physical_resource_id": row.physical_id or "", "resource_type": row.type,
        "resource_status": f"{row.action}_{row.status}",
        "resource_status_reason": row.status_reason, "required_by": required_by,
        "creation_time": when(row.created_at), "updated_time": when(row.updated_at or
                                                                    row.created_at),
        "links": links,
    }
    if stack_row.owner_id:
        found["parent_resource"] = stack_row.owner_resource
    if detail:
        found["description"] = description
        found["attributes"] = attributes or {}
    found["stack_name"] = stack_row.name
    return found


def event(base: str, stack_row: Stack, row: Event, detail: bool = False) -> dict[str, Any]:
    stack_href = stack_link(base, stack_row)
    resource_href = f"{stack_href}/resources/{row.resource_name}"
    found: dict[str, Any] = {
        "id": row.id, "resource_name": row.resource_name, "logical_resource_id":
        row.resource_name, "physical_resource_id": row.physical_id,
        "resource_status": f"{row.action}_{row.status}",
        "resource_status_reason": row.reason, "event_time": when(row.created_at),
        "links": [{"href": f"{resource_href}/events/{row.id}", "rel": "self"},
                  {"href": resource_href, "rel": "resource"},
                  {"href": stack_href, "rel": "stack"}],
    }
    if detail:
        found["resource_type"] = row.resource_type
        found["resource_properties"] = row.properties
    return found
