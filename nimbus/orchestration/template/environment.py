"""Environments: parameters, parameter defaults, the resource registry (type mappings and
per-resource settings such as hooks), as a request or a parent stack gives them.

``resource_registry`` maps a type to another type or a template file, globally or under
``resources`` for one resource (by name, with ``*`` wildcards, and nested by the name of the
resource that holds a nested stack). Hooks (``pre-create``, ``pre-update``, ``pre-delete``)
are set there too: the engine stops before that step until the hook is cleared by a signal.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from nimbus.orchestration.template.errors import StackValidationFailed
from nimbus.orchestration.template.loader import parse_mapping

SECTIONS = ("parameters", "parameter_defaults", "resource_registry", "event_sinks",
            "encrypted_param_names", "parameter_merge_strategies")
HOOKS = ("pre-create", "pre-update", "pre-delete", "post-create", "post-update",
         "post-delete")


class InvalidBreakPointHook(StackValidationFailed):
    pass


@dataclass
class Environment:
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_defaults: dict[str, Any] = field(default_factory=dict)
    resource_registry: dict[str, Any] = field(default_factory=dict)
    event_sinks: list[Any] = field(default_factory=list)
    encrypted_param_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"parameters": dict(self.parameters),
                "parameter_defaults": dict(self.parameter_defaults),
                "resource_registry": dict(self.resource_registry),
                "event_sinks": list(self.event_sinks),
                "encrypted_param_names": list(self.encrypted_param_names)}

    # -- the registry -----------------------------------------------------------------------
    def _per_resource(self) -> dict[str, Any]:
        found = self.resource_registry.get("resources") or {}
        return found if isinstance(found, dict) else {}

    def mapped_type(self, type_name: str, resource_name: str = "") -> str:
        """What ``type_name`` stands for here: the resource's own mapping first, then the
        global ones (exact, then wildcard ``OS::Foo::*``), followed until they stop."""
        seen: set[str] = set()
        current = type_name
        own = self._settings_of(resource_name) if resource_name else {}
        if isinstance(own.get(current), str):
            current = own[current]
        while current not in seen:
            seen.add(current)
            target = self.resource_registry.get(current)
            if target is None:
                for pattern, value in self.resource_registry.items():
                    if pattern.endswith("*") and isinstance(value, str) and \
                            current.startswith(pattern[:-1]) and value.endswith("*"):
                        target = value[:-1] + current[len(pattern) - 1:]
                        break
            if not isinstance(target, str) or target == current:
                break
            current = target
        return current

    def _settings_of(self, resource_name: str) -> dict[str, Any]:
        per = self._per_resource()
        found: dict[str, Any] = {}
        for pattern, settings in per.items():
            if isinstance(settings, dict) and fnmatch.fnmatchcase(resource_name, pattern):
                found.update(settings)
        return found

    def hooks(self, resource_name: str) -> set[str]:
        """The hooks set on a resource of this stack (not on those of nested stacks)."""
        hooks = self._settings_of(resource_name).get("hooks")
        if hooks is None:
            return set()
        return {hooks} if isinstance(hooks, str) else {str(h) for h in hooks}

    def nested(self, resource_name: str) -> dict[str, Any]:
        """The per-resource registry a nested stack held by ``resource_name`` inherits: the
        settings under that name that are themselves resources' settings."""
        found: dict[str, Any] = {}
        for pattern, settings in self._per_resource().items():
            if isinstance(settings, dict) and fnmatch.fnmatchcase(resource_name, pattern):
                for key, value in settings.items():
                    if isinstance(value, dict):
                        found[key] = value
        return found

    def for_nested(self, resource_name: str) -> Environment:
        """The environment a nested stack made by ``resource_name`` gets: the same registry
        (type mappings) with that resource's nested settings, and the parameter defaults."""
        registry = {k: v for k, v in self.resource_registry.items() if k != "resources"}
        inner = self.nested(resource_name)
        if inner:
            registry["resources"] = inner
        return Environment(parameter_defaults=dict(self.parameter_defaults),
                           resource_registry=registry, event_sinks=list(self.event_sinks))


def _check_hooks(registry: dict[str, Any], path: list[str]) -> None:
    per = registry.get("resources") if not path else registry
    if not isinstance(per, dict):
        return
    for name, settings in per.items():
        if not isinstance(settings, dict):
            continue
        hooks = settings.get("hooks")
        if hooks is not None:
            for hook in [hooks] if isinstance(hooks, str) else list(hooks or []):
                if hook not in HOOKS:
                    where = ".".join([*path, str(name)])
                    raise InvalidBreakPointHook(
                        f'Invalid hook type "{hook}" for resource breakpoint, acceptable '
                        f"hook types are: {list(HOOKS)}", path=[] if not where else [])
        nested = {k: v for k, v in settings.items() if isinstance(v, dict)}
        if nested:
            _check_hooks(nested, [*path, str(name)])


def read(doc: dict[str, Any] | str | None) -> Environment:
    """An environment from its mapping (or its text), refused for unknown sections."""
    if doc is None:
        return Environment()
    if isinstance(doc, str):
        doc = parse_mapping(doc)
    if not isinstance(doc, dict):
        raise StackValidationFailed("The environment is not a valid YAML mapping data type.")
    for key in doc:
        if key not in SECTIONS:
            raise StackValidationFailed(f"environment has wrong section \"{key}\"")
    registry = doc.get("resource_registry") or {}
    if not isinstance(registry, dict):
        raise StackValidationFailed("resource_registry must be a map")
    _check_hooks(registry, [])
    return Environment(parameters=dict(doc.get("parameters") or {}),
                       parameter_defaults=dict(doc.get("parameter_defaults") or {}),
                       resource_registry=dict(registry),
                       event_sinks=list(doc.get("event_sinks") or []),
                       encrypted_param_names=list(doc.get("encrypted_param_names") or []))


def merge(base: Environment, other: Environment) -> Environment:
    """``other`` laid over ``base`` (later environment files win), registry merged deeply."""
    registry = dict(base.resource_registry)
    for key, value in other.resource_registry.items():
        if key == "resources" and isinstance(value, dict):
            merged = dict(registry.get("resources") or {})
            for name, settings in value.items():
                if isinstance(settings, dict) and isinstance(merged.get(name), dict):
                    merged[name] = {**merged[name], **settings}
                else:
                    merged[name] = settings
            registry["resources"] = merged
        else:
            registry[key] = value
    return Environment(parameters={**base.parameters, **other.parameters},
                       parameter_defaults={**base.parameter_defaults,
                                           **other.parameter_defaults},
                       resource_registry=registry,
                       event_sinks=[*base.event_sinks, *other.event_sinks],
                       encrypted_param_names=[*base.encrypted_param_names,
                                              *other.encrypted_param_names])
