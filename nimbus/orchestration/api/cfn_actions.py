"""The CloudFormation actions, each read from the Query API's flat parameters
(``Parameters.member.1.ParameterKey``…) into what the native API's managers take, and answered
with the elements of its ``<{Action}Result>``.

The stack work is the native API's own (``StackManager``, ``ResourceReader``, ``validate``):
this layer only translates. Each action enforces Heat's ``cloudformation:<Action>`` rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from nimbus.core.db.paging import PageQuery
from nimbus.orchestration.api.cfn_views import arn, parse_arn, resource_detail, resource_summary, summary
from nimbus.orchestration.api.cfn_views import event as event_view
from nimbus.orchestration.api.cfn_views import resource as resource_view
from nimbus.orchestration.api.cfn_views import stack as stack_view
from nimbus.orchestration.api.cfn_xml import AwsError, missing, validation
from nimbus.orchestration.api.common import Req
from nimbus.orchestration.constants import HIDDEN_TAGS
from nimbus.orchestration.db.models import Stack
from nimbus.orchestration.db.resources import EventFilters
from nimbus.orchestration.db.stacks import StackFilters
from nimbus.orchestration.manager import requests, validate, views
from nimbus.orchestration.manager.cfn_resources import stack_of_physical
from nimbus.orchestration.manager.resources import Found, ResourceReader
from nimbus.orchestration.template import loader
from nimbus.orchestration.template.errors import EntityNotFound

Params = dict[str, str]
Action = Callable[[Req, Params], dict[str, Any] | None]
# A page of stacks or events: the lists AWS pages (with NextToken) are paged in SQL here.
PAGE = 100
_MEMBER = re.compile(r"^(?P<prefix>[^.]+)\.member\.(?P<index>[0-9]+)(?:\.(?P<field>.+))?$")


# -- reading the parameters ------------------------------------------------------------------
def required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise missing(name)
    return value


def _members(params: Params, prefix: str) -> list[tuple[int, str | None, str]]:
    found = []
    for key, value in params.items():
        match = _MEMBER.match(key)
        if match and match["prefix"] == prefix:
            found.append((int(match["index"]), match["field"], value))
    return sorted(found, key=lambda item: item[0])


def member_values(params: Params, prefix: str) -> list[str]:
    """``Prefix.member.N`` values, in N's order."""
    return [value for _, field, value in _members(params, prefix) if field is None]


def member_maps(params: Params, prefix: str) -> list[dict[str, str]]:
    """``Prefix.member.N.Field`` values, one mapping per N, in N's order."""
    grouped: dict[int, dict[str, str]] = {}
    for index, field, value in _members(params, prefix):
        if field is not None:
            grouped.setdefault(index, {})[field] = value
    return [grouped[i] for i in sorted(grouped)]


def _template(params: Params, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    if "TemplateBody" in params:
        return loader.parse(params["TemplateBody"])
    if "TemplateURL" in params or "TemplateUrl" in params:
        raise validation("Fetching a template from TemplateURL is not supported here; send the "
                         "template as TemplateBody.")
    if previous is not None and params.get("UsePreviousTemplate", "").lower() == "true":
        return previous
    raise missing("TemplateBody")


def _stack_body(params: Params, row: Stack | None = None) -> dict[str, Any]:
    """The native API's body for a create or update (``requests.read`` takes it from here)."""
    if "DisableRollback" in params and "OnFailure" in params:
        raise AwsError("InvalidParameterCombination",
                       "DisableRollback and OnFailure cannot be given together.")
    given: dict[str, Any] = {}
    for member in member_maps(params, "Parameters"):
        key = member.get("ParameterKey")
        if not key:
            continue
        if row is not None and member.get("UsePreviousValue", "").lower() == "true":
            # Kept as the stack has it; one it was never given keeps taking its default.
            if key in row.params:
                given[key] = row.params[key]
        elif "ParameterValue" in member:
            given[key] = member["ParameterValue"]
    timeout = params.get("TimeoutInMinutes")
    if timeout is not None and not (timeout.isdigit() and int(timeout) > 0):
        raise validation(f"TimeoutInMinutes must be a positive integer, not {timeout[:20]}.")
    body: dict[str, Any] = {"template": _template(params, row.template if row else None),
                            "parameters": given, "timeout_mins": timeout}
    if "DisableRollback" in params:
        body["disable_rollback"] = params["DisableRollback"]
    on_failure = params.get("OnFailure")
    if on_failure is not None:
        if on_failure not in ("DO_NOTHING", "ROLLBACK", "DELETE"):
            raise validation(f"OnFailure must be one of DO_NOTHING, ROLLBACK or DELETE, not "
                             f"{on_failure}.")
        # Heat rolls back or leaves a failed stack as it is; it does not delete it.
        body["disable_rollback"] = on_failure == "DO_NOTHING"
    return body


# -- finding stacks ------------------------------------------------------------------------
def find(req: Req, name: str, deleted: bool = False) -> Stack:
    """The stack a ``StackName`` names: by name (a live one), id or ARN (a deleted one too,
    with ``deleted``, as AWS describes a deleted stack named by its id). An ARN of another
    project finds nothing unless the caller is an administrator."""
    project = req.ctx.project_id
    ident = name
    parsed = parse_arn(name)
    if parsed is not None:
        tenant, _, ident = parsed
        if req.ctx.is_admin:
            project = tenant
    try:
        return req.svc.stacks.get(project, ident, deleted=deleted)
    except EntityNotFound:
        # AWS's words, which its clients (and boto3's waiters) look for.
        raise validation(f"Stack with id {name} does not exist") from None


def _paged(fetch: Callable[[PageQuery], list[Any]], params: Params,
           sort: tuple[tuple[str, str], ...] = ()) -> tuple[list[Any], str | None]:
    """One page and the NextToken of the next one (the last item's id, a SQL marker)."""
    token = params.get("NextToken") or None
    try:
        items = fetch(PageQuery(limit=PAGE, marker=token, sort=sort))
    except EntityNotFound:
        raise validation("The NextToken is not valid.") from None
    last = items[-1] if len(items) == PAGE else None
    if isinstance(last, tuple):
        last = last[1]
    return items, (str(last.id) if last is not None else None)


def _reader(req: Req) -> ResourceReader:
    return ResourceReader(req.svc.stacks.db)


def _descriptions(req: Req, row: Stack) -> dict[str, str]:
    """Each resource's description in the template; none when the stack no longer loads."""
    try:
        loaded = req.svc.stacks.loaded(row)
    except Exception:  # noqa: BLE001 - a stack that cannot be loaded still lists its resources
        return {}
    return {name: defn.description or "" for name, defn in loaded.definitions.items()}


# -- the actions ---------------------------------------------------------------------------
def create_stack(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:CreateStack")
    name = required(params, "StackName")
    row = req.svc.stacks.create(req.ctx, name, requests.read(_stack_body(params)))
    return {"StackId": arn(row)}


def update_stack(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:UpdateStack")
    row = find(req, required(params, "StackName"))
    req.svc.stacks.update(req.ctx, row, requests.read(_stack_body(params, row)), patch=False)
    return {"StackId": arn(row)}


def delete_stack(req: Req, params: Params) -> None:
    req.enforce("cloudformation:DeleteStack")
    row = find(req, required(params, "StackName"), deleted=True)
    if row.deleted_at is None:
        # A stack already deleted (named by its ARN) is deleted: nothing to do, as in AWS.
        req.svc.stacks.delete(req.ctx, row)


def cancel_update_stack(req: Req, params: Params) -> None:
    req.enforce("cloudformation:CancelUpdateStack")
    req.svc.stacks.action(req.ctx, find(req, required(params, "StackName")), "cancel_update")


def _described(req: Req, row: Stack) -> dict[str, Any]:
    try:
        loaded = req.svc.stacks.loaded(row)
    except Exception:  # noqa: BLE001 - a stack whose template no longer loads still shows
        loaded = None
    return stack_view(row, req.svc.stacks.parameters(row, loaded),
                      req.svc.stacks.outputs(row, loaded))


def describe_stacks(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:DescribeStacks")
    if params.get("StackName"):
        return {"Stacks": [_described(req, find(req, params["StackName"], deleted=True))]}
    filters = StackFilters(project_id=req.ctx.project_id, hidden_tags=list(HIDDEN_TAGS))
    rows, token = _paged(lambda q: req.svc.stacks.listing(filters, q), params)
    return {"Stacks": [_described(req, row) for row in rows], "NextToken": token}


def list_stacks(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:ListStacks")
    wanted = member_values(params, "StackStatusFilter")
    # Deleted stacks are listed only when asked for by their status (Heat lists live ones).
    filters = StackFilters(project_id=req.ctx.project_id, statuses=wanted,
                           hidden_tags=list(HIDDEN_TAGS), show_deleted="DELETE_COMPLETE" in wanted)
    rows, token = _paged(lambda q: req.svc.stacks.listing(filters, q), params)
    return {"StackSummaries": [summary(row) for row in rows], "NextToken": token}


def describe_stack_events(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:DescribeStackEvents")
    row = find(req, required(params, "StackName"), deleted=True)
    pairs, token = _paged(lambda q: _reader(req).events(row, EventFilters(stack_ids=[]), q),
                          params, sort=(("seq", "desc"),))
    # Newest first, as AWS and Heat's CloudFormation API list them.
    return {"StackEvents": [event_view(s, e) for s, e in pairs], "NextToken": token}


def _resources(req: Req, row: Stack, logical_id: str | None) -> list[Found]:
    return [f for f in _reader(req).listing(row)
            if logical_id is None or f.resource.name == logical_id]


def describe_stack_resources(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:DescribeStackResources")
    name, physical = params.get("StackName"), params.get("PhysicalResourceId")
    if name and physical:
        raise AwsError("InvalidParameterCombination",
                       "Use StackName or PhysicalResourceId, not both.")
    if name:
        row = find(req, name, deleted=True)
    elif physical:
        found = stack_of_physical(req.svc.stacks.db, req.ctx.project_id, physical)
        if found is None:
            raise validation(f"No stack has a resource with physical id {physical}")
        row = found
    else:
        raise missing("StackName")
    described = _descriptions(req, row)
    return {"StackResources": [resource_view(f, described.get(f.resource.name, ""))
                               for f in _resources(req, row, params.get("LogicalResourceId"))]}


def describe_stack_resource(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:DescribeStackResource")
    row = find(req, required(params, "StackName"), deleted=True)
    logical = required(params, "LogicalResourceId")
    found = _resources(req, row, logical)
    if not found:
        raise validation(f"Resource {logical} does not exist for stack {row.name}")
    description = _descriptions(req, row).get(logical, "")
    return {"StackResourceDetail": resource_detail(found[0], description)}


def list_stack_resources(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:ListStackResources")
    row = find(req, required(params, "StackName"), deleted=True)
    return {"StackResourceSummaries": [resource_summary(f) for f in _resources(req, row, None)]}


def get_template(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:GetTemplate")
    return {"TemplateBody": find(req, required(params, "StackName"), deleted=True).template}


def validate_template(req: Req, params: Params) -> dict[str, Any]:
    req.enforce("cloudformation:ValidateTemplate")
    found = validate.validate(req.ctx.project_id or "", {"template": _template(params)})
    return {
        "Description": found.get("Description") or "",
        "Parameters": [{"ParameterKey": key,
                        "DefaultValue": views.as_text(entry.get("Default", "")),
                        "NoEcho": entry.get("NoEcho", "false"),
                        "Description": entry.get("Description", "")}
                       for key, entry in (found.get("Parameters") or {}).items()],
        "Capabilities": [],
    }


ACTIONS: dict[str, Action] = {
    "CreateStack": create_stack,
    "UpdateStack": update_stack,
    "DeleteStack": delete_stack,
    "CancelUpdateStack": cancel_update_stack,
    "DescribeStacks": describe_stacks,
    "ListStacks": list_stacks,
    "DescribeStackEvents": describe_stack_events,
    "DescribeStackResources": describe_stack_resources,
    "DescribeStackResource": describe_stack_resource,
    "ListStackResources": list_stack_resources,
    "GetTemplate": get_template,
    "ValidateTemplate": validate_template,
}
