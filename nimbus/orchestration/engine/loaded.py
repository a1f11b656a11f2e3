"""A stack as the engine works on it: its template read, parameters typed, conditions decided,
and its resources' rows with their plugins; and the context template functions resolve in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from nimbus.orchestration.engine import graph
from nimbus.orchestration.resources import registry
from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.implicit_deps import implicit_needs
from nimbus.orchestration.resources.schema import PropertyError, check
from nimbus.orchestration.template import definition, functions, parameters
from nimbus.orchestration.template.definition import ResourceDefinition, Template
from nimbus.orchestration.template.environment import Environment
from nimbus.orchestration.template.errors import StackValidationFailed, UserParameterMissing
from nimbus.orchestration.template.versions import Version

REGION = "RegionOne"


@dataclass
class Identity:
    """Who and where a stack is, for pseudo parameters and physical names."""

    id: str
    name: str
    project_id: str
    parent_id: str | None = None
    owner_resource: str | None = None
    region: str = REGION


@dataclass
class ResourceState:
    """One resource of a loaded stack: its row's fields and, once made, its plugin."""

    id: str
    name: str
    type: str
    action: str = "INIT"
    status: str = "COMPLETE"
    reason: str = ""
    physical_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    requires: list[str] = field(default_factory=list)
    plugin: Resource | None = None

    @property
    def made(self) -> bool:
        return self.action not in ("INIT",) and not (self.action == "CREATE" and
                                                      self.status != "COMPLETE" and
                                                      not self.physical_id)


class Context:
    """What ``functions.resolve`` reads: parameters, resources' references and attributes,
    files, conditions, mappings, and the stack's own identity."""

    def __init__(self, stack: LoadedStack) -> None:
        self.stack = stack
        self.version: Version = stack.template.version

    def get_param(self, name: str) -> Any:
        if name in self.stack.params:
            return self.stack.params[name]
        try:
            return self.pseudo_param(name)
        except KeyError:
            raise UserParameterMissing(key=name) from None

    def pseudo_param(self, name: str) -> Any:
        ident = self.stack.identity
        values = {"OS::stack_name": ident.name, "OS::stack_id": ident.id,
                  "OS::project_id": ident.project_id, "AWS::StackName": ident.name,
                  "AWS::StackId": arn(ident), "AWS::Region": ident.region,
                  "AWS::AccountId": ident.project_id, "AWS::NoValue": None}
        if name not in values:
            raise KeyError(name)
        return values[name]

    def _plugin(self, name: str) -> Resource | None:
        state = self.stack.resources.get(name)
        return state.plugin if state is not None else None

    def get_resource(self, name: str) -> Any:
        plugin = self._plugin(name)
        if plugin is None:
            return None
        return plugin.reference()

    def get_attr(self, resource: str, attribute: str) -> Any:
        plugin = self._plugin(resource)
        if plugin is None:
            return None
        return plugin.attribute(attribute)

    def all_attributes(self, resource: str) -> dict[str, Any]:
        plugin = self._plugin(resource)
        if plugin is None:
            return {}
        return {name: plugin.attribute(name) for name in plugin.info().attributes
                if name != "show"}

    def get_file(self, name: str) -> str:
        return self.stack.files[name]

    def condition(self, name: str) -> bool:
        return self.stack.condition(name)

    def resource_facade(self, kind: str) -> Any:
        return self.stack.facade.get(kind)

    def availability_zones(self) -> list[str]:
        return ["nova"]

    def mapping(self, name: str) -> dict[str, Any]:
        return dict(self.stack.template.mappings.get(name) or {})


def arn(ident: Identity) -> str:
    return f"arn:openstack:heat::{ident.project_id}:stacks/{ident.name}/{ident.id}"


class LoadedStack:
    """A template with its environment and parameters, ready to be walked."""

    def __init__(self, identity: Identity, doc: dict[str, Any], files: dict[str, str],
                 env: Environment, given: dict[str, Any], *, strict: bool = True,
                 facade: dict[str, Any] | None = None) -> None:
        self.identity = identity
        self.strict = strict
        self.files = dict(files)
        self.env = env
        self.facade = facade or {}
        self.template: Template = definition.read(doc, files)
        self.schemas = parameters.schemas_of(self.template.parameters, self.template.version)
        self.params = parameters.values(self.schemas, {**env.parameters, **given},
                                        env.parameter_defaults, validate_required=strict)
        self.conditions = functions.Conditions(self.template.conditions,
                                               self.template.version)
        self.lock = threading.RLock()
        self.context = Context(self)
        self.definitions: dict[str, ResourceDefinition] = {
            name: defn for name, defn in self.template.resources.items()
            if defn.condition is None or self._enabled(defn.condition, ["resources", name])}
        self.needs = graph.requirements(self.definitions, self.template.version)
        # What Heat adds that templates leave unsaid: a port waits for its network's subnets…
        extra = implicit_needs({n: self.type_of(n) for n in self.definitions},
                               {n: d.properties for n, d in self.definitions.items()},
                               self.needs)
        for name, more in extra.items():
            self.needs[name] |= more
        self.resources: dict[str, ResourceState] = {}

    # -- conditions -------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        try:
            return self.conditions.is_enabled(name, self.context)
        except ValueError as exc:
            raise StackValidationFailed(str(exc)) from None

    def _enabled(self, cond: Any, path: list[str]) -> bool:
        if isinstance(cond, bool):
            return cond
        if isinstance(cond, str):
            try:
                return self.conditions.is_enabled(cond, self.context)
            except ValueError as exc:
                raise StackValidationFailed(str(exc), path=[*path, "condition"]) from None
        return bool(functions.resolve_condition(cond, self.context, [*path, "condition"]))

    # -- resources --------------------------------------------------------------------------
    def type_of(self, name: str) -> str:
        """The resource's type after the environment's mappings."""
        return self.env.mapped_type(self.definitions[name].type, name)

    def plugin_class(self, name: str) -> type[Resource]:
        return registry.plugin(self.type_of(name), name)

    def resolve(self, snippet: Any) -> Any:
        return functions.resolve(snippet, self.context)

    def properties_of(self, name: str, require: bool = True) -> dict[str, Any]:
        """The resource's properties resolved now and checked against its type's schema."""
        defn = self.definitions[name]
        cls = self.plugin_class(name)
        resolved = self.resolve(defn.properties) or {}
        if getattr(cls, "ANY_PROPERTIES", False) or getattr(cls, "TEMPLATE", False):
            return dict(resolved) if isinstance(resolved, dict) else {}
        try:
            return check(cls.PROPERTIES, resolved, require=require)
        except PropertyError as exc:
            path = ["resources", name, "properties", *exc.path]
            raise StackValidationFailed(str(exc), path=path) from None

    def _check_properties(self, name: str, props: Any) -> None:
        """Each property's snippet checked on its own, so that a parameter it names but the
        template lacks is reported at that property, in the words Heat's API gives."""
        path = ["resources", name, "properties"]
        params, resources = set(self.schemas), set(self.template.resources)
        version = self.template.version
        conditions = self.conditions.names
        if not isinstance(props, dict):
            functions.check(props, version, params, resources, path, conditions=conditions,
                            strict=self.strict)
            return
        for key, value in props.items():
            try:
                functions.check(value, version, params, resources, [*path, key],
                                conditions=conditions, strict=self.strict)
            except UserParameterMissing as exc:
                raise StackValidationFailed(
                    f"Property error: : resources.{name}.properties.{key}: : {exc.message}",
                    heat_type="StackValidationFailed") from None

    def validate(self) -> None:
        """Every resource's type is known and its properties fit, before anything is made."""
        self.conditions.check(set(self.schemas), strict=self.strict)
        for name, defn in self.definitions.items():
            self._check_properties(name, defn.properties)
            functions.check(defn.metadata, self.template.version, set(self.schemas),
                            set(self.template.resources), ["resources", name, "metadata"],
                            conditions=self.conditions.names, strict=self.strict)
            cls = self.plugin_class(name)
            if getattr(cls, "ANY_PROPERTIES", False) or getattr(cls, "TEMPLATE", False):
                continue
            resolved = _unresolved_as_none(defn.properties, self)
            try:
                typed = check(cls.PROPERTIES, resolved, require=False)
            except PropertyError as exc:
                raise StackValidationFailed(
                    str(exc), path=["resources", name, "properties", *exc.path]) from None
            # The type's own checks across properties (two that exclude each other…).
            own = getattr(cls, "validate_properties", None)
            if own is not None:
                try:
                    own(typed, complete=False)
                except ResourceFailure as exc:
                    raise StackValidationFailed(
                        str(exc), path=["resources", name, "properties"]) from None
        # Outputs are only shaped here: one that names what is missing fails when it is read
        # (``output_error``), never the stack.
        for name, out in self.template.outputs.items():
            functions.check(out.value, self.template.version, set(self.schemas),
                            set(self.template.resources), ["outputs", name, "value"],
                            conditions=self.conditions.names, strict=False)

    def outputs(self) -> list[dict[str, Any]]:
        """Every output's value as it stands, or the error that stops it."""
        found = []
        for name, out in self.template.outputs.items():
            if out.condition is not None and not self._enabled(out.condition,
                                                               ["outputs", name]):
                value: dict[str, Any] = {"output_key": name, "description": out.description,
                                         "output_value": None}
            else:
                value = {"output_key": name, "description": out.description or "No description given"}
                try:
                    value["output_value"] = self.resolve(out.value)
                except Exception as exc:  # noqa: BLE001 - an output's error is shown, not raised
                    value["output_value"] = None
                    value["output_error"] = getattr(exc, "message", None) or str(exc)
            found.append(value)
        return found


def _unresolved_as_none(snippet: Any, stack: LoadedStack) -> Any:
    """Properties as validation sees them: parameters resolved, anything naming a resource
    (not made yet) left as None so that only what is known is checked."""
    try:
        return stack.resolve(snippet)
    except Exception:  # noqa: BLE001 - values that cannot be known yet are left unchecked
        return None
