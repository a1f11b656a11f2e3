"""Resources that own a nested stack: a template named as a type (a file of the stack, or a
type the environment maps to one), ``OS::Heat::Stack`` and ``OS::Heat::ResourceGroup``.

The nested stack is built by the engine in the resource's own thread, so the resource is
done when its stack is; its outputs are the resource's attributes.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.schema import INTEGER, LIST, MAP, STRING, Attr, Prop, Support
from nimbus.orchestration.template import loader


class NestedBase(Resource):
    """What every nested-stack resource shares: making, changing and removing the stack."""

    def _template(self) -> dict[str, Any]:
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in self.properties.items() if v is not None}

    def _stack(self) -> Any:
        return getattr(self.rt, "stack", None)

    def _files(self) -> dict[str, Any]:
        stack = self._stack()
        return dict(stack.files) if stack is not None else {}

    def _env(self) -> dict[str, Any]:
        stack = self._stack()
        if stack is None:
            return {}
        return stack.env.for_nested(self.rt.resource_name).as_dict()

    def create(self) -> None:
        # The nested stack's row first: its id is the resource's while it is being built
        # (in the first check), so that the API shows the nested stack in progress.
        self.physical_id = self.rt.nested().prepare(self._template(), self._params(),
                                                    self._files(), self._env())
        self.data["_built"] = False

    def check_create_complete(self) -> bool:
        if self.physical_id and not self.data.get("_built"):
            self.rt.nested().build(self.physical_id)
            self.data["_built"] = True
        return True

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.properties = new
        if self.physical_id:
            self.rt.nested().update(self.physical_id, self._template(), self._params(),
                                    self._files(), self._env())

    def delete(self) -> None:
        if self.physical_id:
            self.rt.nested().delete(self.physical_id)

    def suspend(self) -> None:
        if self.physical_id:
            self.rt.nested().simple(self.physical_id, "SUSPEND")

    def resume(self) -> None:
        if self.physical_id:
            self.rt.nested().simple(self.physical_id, "RESUME")

    def check(self) -> None:
        if self.physical_id:
            self.rt.nested().simple(self.physical_id, "CHECK")

    def _outputs(self) -> dict[str, Any]:
        """The nested stack's output values by key; one in error raises, naming it."""
        if not self.physical_id:
            return {}
        found: dict[str, Any] = {}
        for key, out in self.rt.nested().outputs(self.physical_id).items():
            if out.get("output_error"):
                found[key] = _Failed(f"Error in {self.rt.resource_name} output {key}: "
                                     f"{out['output_error']}")
            else:
                found[key] = out.get("output_value")
        return found

    def _output(self, key: str) -> Any:
        value = self._outputs().get(key)
        if isinstance(value, _Failed):
            raise ResourceFailure(value.message, "InvalidTemplateAttribute")
        return value

    def _loaded(self) -> Any:
        if not self.physical_id:
            return None
        return self.rt.nested().loaded(self.physical_id)


class TemplateResource(NestedBase):
    """A type that is a template: its properties are the template's parameters."""

    TYPE = "OS::Heat::TemplateResource"
    TEMPLATE = True

    def _type_name(self) -> str:
        stack = self._stack()
        if stack is None:
            return ""
        return str(stack.type_of(self.rt.resource_name))

    def _template(self) -> dict[str, Any]:
        name = self._type_name()
        files = self._files()
        if name not in files:
            raise ResourceFailure(f"Could not fetch remote template \"{name}\": the template is "
                                  "not among the stack's files.", "NotFound")
        return loader.parse(str(files[name]), name)

    def reference(self) -> Any:
        outputs = self._outputs()
        if outputs.get("OS::stack_id") and not isinstance(outputs["OS::stack_id"], _Failed):
            return outputs["OS::stack_id"]
        return self.physical_id

    def attribute(self, name: str) -> Any:
        if name == "OS::stack_id":
            return self.physical_id
        if name in self._outputs():
            return self._output(name)
        if name.startswith("resource."):
            return _member_attribute(self._loaded(), name)
        return super().attribute(name)


class NestedStack(NestedBase):
    TYPE = "OS::Heat::Stack"
    DESCRIPTION = "A resource for managing stacks."
    SUPPORT = Support(version="2014.2")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "context": Prop(MAP, "Context for this stack."),
        "template": Prop(STRING, "Template that specifies the stack to be created as a "
                                 "resource.", required=True, update_allowed=True),
        "timeout": Prop(INTEGER, "Number of minutes to wait for this stack creation.",
                        update_allowed=True),
        "parameters": Prop(MAP, "Set of parameters passed to this stack.", default={},
                           update_allowed=True),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "outputs": Attr("A dict of key-value pairs output from the stack.", MAP),
        "stack_name": Attr("Name of the stack.", STRING),
    }

    def _template(self) -> dict[str, Any]:
        return loader.parse(str(self.properties.get("template") or ""))

    def _params(self) -> dict[str, Any]:
        return dict(self.properties.get("parameters") or {})

    def _env(self) -> dict[str, Any]:
        return {}

    def attribute(self, name: str) -> Any:
        if name == "outputs":
            return {k: None if isinstance(v, _Failed) else v
                    for k, v in self._outputs().items()}
        if name == "stack_name":
            loaded = self._loaded()
            return loaded.identity.name if loaded is not None else None
        return super().attribute(name)


class _Failed:
    """An output of a nested stack that could not be worked out, and why."""

    def __init__(self, message: str) -> None:
        self.message = message


def _member_attribute(loaded: Any, path: str) -> Any:
    """``resource.<name>[.<attribute>]`` of a nested stack: a member's reference or
    attribute."""
    if loaded is None:
        return None
    parts = path.split(".", 2)
    member = parts[1] if len(parts) > 1 else ""
    if len(parts) == 2:
        return loaded.context.get_resource(member)
    return loaded.context.get_attr(member, parts[2])


class ResourceGroup(NestedBase):
    TYPE = "OS::Heat::ResourceGroup"
    DESCRIPTION = ("Creates one or more identically configured nested resources. The "
                   "resource_def may include %index% which is replaced by the member's index.")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "count": Prop(INTEGER, "The number of resources to create.", default=1,
                      update_allowed=True, range=(0, None)),
        "index_var": Prop(STRING, "A variable that this resource will use to replace with the "
                                  "current index of a given resource in the group.",
                          default="%index%"),
        "resource_def": Prop(MAP, "Resource definition for the resources in the group.",
                             required=True, update_allowed=True, schema={
            "type": Prop(STRING, "The type of the resources in the group.", required=True),
            "properties": Prop(MAP, "Property values for the resources in the group."),
            "metadata": Prop(MAP, "Supplied metadata for the resources in the group.")}),
        "removal_policies": Prop(LIST, "Policies for removal of resources on update.",
                                 default=[], update_allowed=True),
        "removal_policies_mode": Prop(STRING, "How to handle changes to removal_policies on "
                                              "update.", default="append",
                                      allowed=("append", "update"), update_allowed=True),
        "rolling_update": Prop(MAP, "Rolling update settings (not used by this engine)."),
        "batch_create": Prop(MAP, "Batch create settings (not used by this engine)."),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "refs": Attr("A list of resource IDs for the resources in the group.", LIST),
        "refs_map": Attr("A map of resource names to IDs for the resources in the group.",
                         MAP),
        "attributes": Attr("A map of resource names to the specified attribute of each "
                           "individual resource.", MAP),
        "removed_rsrc_list": Attr("A list of removed resource names.", LIST),
    }

    def _names(self) -> list[str]:
        removed = set(self.data.get("removed", []))
        count = int(self.properties.get("count") or 0)
        names: list[str] = []
        index = 0
        while len(names) < count:
            if str(index) not in removed:
                names.append(str(index))
            index += 1
        return names

    def _member(self, index: str) -> dict[str, Any]:
        spec = dict(self.properties.get("resource_def") or {})
        marker = str(self.properties.get("index_var") or "%index%")
        member = {"type": spec["type"]}
        if spec.get("properties"):
            member["properties"] = _replace(copy.deepcopy(spec["properties"]), marker, index)
        if spec.get("metadata"):
            member["metadata"] = _replace(copy.deepcopy(spec["metadata"]), marker, index)
        return member

    def _template(self) -> dict[str, Any]:
        return {"heat_template_version": "2015-04-30",
                "resources": {name: self._member(name) for name in self._names()}}

    def _params(self) -> dict[str, Any]:
        return {}

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        for policy in new.get("removal_policies") or []:
            for name in (policy or {}).get("resource_list") or []:
                removed = set(self.data.get("removed", []))
                removed.add(str(name))
                self.data["removed"] = sorted(removed)
        super().update(new, changed)

    def attribute(self, name: str) -> Any:
        loaded = self._loaded()
        if loaded is None:
            return None
        members = [n for n in self._names() if n in loaded.resources]
        if name == "refs":
            return [loaded.context.get_resource(n) for n in members]
        if name == "refs_map":
            return {n: loaded.context.get_resource(n) for n in members}
        if name == "removed_rsrc_list":
            return list(self.data.get("removed", []))
        if name.startswith("resource."):
            return _member_attribute(loaded, name)
        if name == "show":
            return None
        return [loaded.context.get_attr(n, name) for n in members]

    def attribute_path(self, name: str, path: list[Any]) -> Any:
        """``get_attr: [group, attributes, attr]``: each member's ``attr``, by name."""
        if name == "attributes" and path:
            loaded = self._loaded()
            if loaded is None:
                return None
            return {n: loaded.context.get_attr(n, str(path[0])) for n in self._names()
                    if n in loaded.resources}
        return None


def _replace(value: Any, marker: str, index: str) -> Any:
    if isinstance(value, str):
        return value.replace(marker, index)
    if isinstance(value, list):
        return [_replace(v, marker, index) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, marker, index) for k, v in value.items()}
    return value


TYPES: tuple[type[Resource], ...] = (NestedStack, ResourceGroup)
