"""``POST /validate``: a template (with its environment and files) checked as a stack create
would check it, answered with its description and parameters as Heat renders them."""

from __future__ import annotations

import uuid
from typing import Any

from nimbus.orchestration.engine.loaded import Identity, LoadedStack
from nimbus.orchestration.manager import requests
from nimbus.orchestration.resources import registry
from nimbus.orchestration.template import loader, parameters


def validate(project_id: str, body: dict[str, Any], show_nested: bool = False,
             ignore_errors: list[str] | None = None) -> dict[str, Any]:
    req = requests.read(body)
    assert req.template is not None
    stack = LoadedStack(Identity(str(uuid.uuid4()), "validate", project_id), req.template,
                        req.files, req.environment, req.params, strict=False)
    stack.validate()
    return _view(stack, req.params, show_nested)


def _view(stack: LoadedStack, given: dict[str, Any], show_nested: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "Description": stack.template.description,
        "Parameters": parameters.validate_view(stack.schemas, {**stack.env.parameters,
                                                               **given},
                                               stack.template.version,
                                               stack.env.parameter_defaults),
        "Environment": _environment(stack),
    }
    if stack.template.parameter_groups:
        found["ParameterGroups"] = parameters.parameter_groups_view(
            stack.template.parameter_groups, stack.schemas)
    if show_nested:
        nested: dict[str, Any] = {}
        for name in stack.definitions:
            kind = stack.type_of(name)
            if not registry.is_template(kind) or kind not in stack.files:
                continue
            inner_doc = loader.parse(str(stack.files[kind]), kind)
            props = stack.resolve(stack.definitions[name].properties) or {}
            # Only what the nested template declares is passed in (a property it does not
            # know is not a parameter of it).
            declared = inner_doc.get("parameters") or {}
            props = {k: v for k, v in props.items() if v is not None and k in declared}
            inner = LoadedStack(stack.identity, inner_doc, stack.files,
                                stack.env.for_nested(name), props, strict=False)
            view = _view(inner, props, True)
            view.pop("Environment", None)
            view["Type"] = kind
            nested[name] = view
        if nested:
            found["NestedParameters"] = nested
    return found


def _environment(stack: LoadedStack) -> dict[str, Any]:
    """The environment as validate shows it: the registry with every template-resource type
    this template uses mapped to itself, and the per-resource settings."""
    registry_view = {k: v for k, v in stack.env.resource_registry.items() if k != "resources"}
    for name in stack.definitions:
        kind = stack.type_of(name)
        if registry.is_template(kind):
            registry_view.setdefault(kind, kind)
    registry_view["resources"] = dict(stack.env.resource_registry.get("resources") or {})
    return {"parameters": dict(stack.env.parameters),
            "parameter_defaults": dict(stack.env.parameter_defaults),
            "event_sinks": list(stack.env.event_sinks),
            "resource_registry": registry_view}
