"""Stacks, events and resources as the CloudFormation API shows them: Heat's engine view with
AWS's member names, a stack named by its ARN, a status as ``{action}_{status}`` (Heat's states,
``CREATE_COMPLETE`` and the like, which AWS clients already know)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, unquote

from nimbus.orchestration.api.stacks import _description
from nimbus.orchestration.db.models import Event, Resource, Stack
from nimbus.orchestration.manager import views
from nimbus.orchestration.manager.resources import Found

_PATH = re.compile(r"stacks/([^/]+)/([^/]+)(.*)")


def arn(row: Stack) -> str:
    """``arn:openstack:heat::<project>:stacks/<name>/<id>``, each part URL-quoted, as Heat
    names a stack to CloudFormation clients."""
    return (f"arn:openstack:heat::{quote(row.project_id, safe='')}:stacks/"
            f"{quote(row.name, safe='')}/{quote(row.id, safe='')}")


def parse_arn(text: str) -> tuple[str, str, str] | None:
    """(project, name, id) of a Heat stack ARN; None for anything else (a stack's name)."""
    fields = text.split(":", 5)
    if len(fields) < 6 or fields[0].lower() != "arn" or fields[1:3] != ["openstack", "heat"]:
        return None
    found = _PATH.match(fields[5])
    if found is None:
        return None
    return unquote(fields[4]), unquote(found.group(1)), unquote(found.group(2))


def status(action: str, state: str) -> str:
    return f"{action}_{state}"


def _output_value(value: Any) -> Any:
    """AWS outputs are text: a list or map is given as JSON, not as nested elements."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def stack(row: Stack, parameters: dict[str, Any], outputs: list[dict[str, Any]]
          ) -> dict[str, Any]:
    """One member of DescribeStacks' ``Stacks``."""
    return {
        "StackId": arn(row), "StackName": row.name, "Description": _description(row),
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "CreationTime": views.when(row.created_at),
        # Only a stack that was updated has one (AWS and Heat leave it out otherwise).
        "LastUpdatedTime": views.when(row.updated_at),
        "StackStatus": status(row.action, row.status), "StackStatusReason": row.status_reason,
        "DisableRollback": row.disable_rollback, "NotificationARNs": [], "Capabilities": [],
        "TimeoutInMinutes": row.timeout_mins,
        "Outputs": [{"OutputKey": o["output_key"],
                     "OutputValue": _output_value(o.get("output_value")),
                     "Description": o.get("description")} for o in outputs],
    }


def summary(row: Stack) -> dict[str, Any]:
    """One member of ListStacks' ``StackSummaries``."""
    return {
        "StackId": arn(row), "StackName": row.name, "TemplateDescription": _description(row),
        "CreationTime": views.when(row.created_at),
        "LastUpdatedTime": views.when(row.updated_at),
        "DeletionTime": views.when(row.deleted_at),
        "StackStatus": status(row.action, row.status), "StackStatusReason": row.status_reason,
    }


def event(row: Stack, found: Event) -> dict[str, Any]:
    """One member of DescribeStackEvents' ``StackEvents``."""
    return {
        "EventId": found.id, "StackId": arn(row), "StackName": row.name,
        "LogicalResourceId": found.resource_name, "PhysicalResourceId": found.physical_id,
        "ResourceType": found.resource_type, "Timestamp": views.when(found.created_at),
        "ResourceStatus": status(found.action, found.status),
        "ResourceStatusReason": found.reason, "ResourceProperties": found.properties or {},
    }


def _updated(res: Resource) -> str | None:
    return views.when(res.updated_at or res.created_at)


def resource(found: Found, description: str) -> dict[str, Any]:
    """One member of DescribeStackResources' ``StackResources``."""
    res = found.resource
    return {
        "StackId": arn(found.stack), "StackName": found.stack.name,
        "LogicalResourceId": res.name, "PhysicalResourceId": res.physical_id or "",
        "ResourceType": res.type, "Timestamp": _updated(res),
        "ResourceStatus": status(res.action, res.status),
        "ResourceStatusReason": res.status_reason, "Description": description,
    }


def resource_detail(found: Found, description: str) -> dict[str, Any]:
    """DescribeStackResource's ``StackResourceDetail``: the resource and its metadata."""
    detail = resource(found, description)
    detail["LastUpdatedTimestamp"] = detail.pop("Timestamp")
    detail["Metadata"] = found.resource.metadata_ or {}
    return detail


def resource_summary(found: Found) -> dict[str, Any]:
    """One member of ListStackResources' ``StackResourceSummaries``."""
    res = found.resource
    return {
        "LogicalResourceId": res.name, "PhysicalResourceId": res.physical_id or "",
        "ResourceType": res.type, "LastUpdatedTimestamp": _updated(res),
        "ResourceStatus": status(res.action, res.status),
        "ResourceStatusReason": res.status_reason,
    }
