"""A template's sections read into definitions: its resources, outputs and conditions, in the
HOT or the CloudFormation spelling, checked for keys that do not belong.

Nothing here evaluates a function: properties, outputs and conditions stay snippets, which the
engine resolves when the values they name exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nimbus.orchestration.template.errors import InvalidTemplateSection, StackValidationFailed
from nimbus.orchestration.template.versions import Version, version_of

_HOT_SECTIONS = {"heat_template_version", "description", "parameter_groups", "parameters",
                 "resources", "outputs"}
_CFN_SECTIONS = {"AWSTemplateFormatVersion", "HeatTemplateFormatVersion", "Description",
                 "Mappings", "Parameters", "Resources", "Outputs", "Conditions"}
# HOT key -> CFN key, for a resource and an output.
_RES_KEYS = {"type": "Type", "properties": "Properties", "metadata": "Metadata",
             "depends_on": "DependsOn", "deletion_policy": "DeletionPolicy",
             "update_policy": "UpdatePolicy", "description": "Description",
             "condition": "Condition", "external_id": "external_id"}
_OUT_KEYS = {"description": "Description", "value": "Value", "condition": "Condition"}
_DELETION_POLICIES = {"Delete", "Retain", "Snapshot", "delete", "retain", "snapshot"}


@dataclass
class ResourceDefinition:
    name: str
    type: str
    properties: Any = field(default_factory=dict)
    metadata: Any = None
    depends_on: list[str] = field(default_factory=list)
    deletion_policy: str = "Delete"
    update_policy: Any = None
    description: str = ""
    condition: Any = None
    external_id: Any = None

    def render(self) -> dict[str, Any]:
        """The definition as HOT writes it (for stored templates and previews)."""
        found: dict[str, Any] = {"type": self.type}
        if self.properties:
            found["properties"] = self.properties
        if self.metadata:
            found["metadata"] = self.metadata
        if self.depends_on:
            found["depends_on"] = list(self.depends_on)
        return found


@dataclass
class OutputDefinition:
    name: str
    value: Any
    description: str = ""
    condition: Any = None


@dataclass
class Template:
    """One template document, read."""

    doc: dict[str, Any]
    version: Version
    description: str
    parameters: dict[str, Any]
    parameter_groups: list[Any]
    resources: dict[str, ResourceDefinition]
    outputs: dict[str, OutputDefinition]
    conditions: dict[str, Any]
    mappings: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def hot(self) -> bool:
        return self.version.kind == "hot"


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StackValidationFailed(f'The "{what}" section must be a map.'
                                    if what else "Expected a map.")
    return value


def _depends(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise StackValidationFailed(f'Resource {name} "depends_on" should be a string or list of '
                                "strings")


def _resource(name: str, snippet: Any, hot: bool, version: Version) -> ResourceDefinition:
    keys = dict(_RES_KEYS) if hot else {v: v for v in _RES_KEYS.values()}
    if not version.conditions:
        keys.pop("condition" if hot else "Condition", None)
    if not (hot and version.at_least("2016-10-14")):
        keys.pop("external_id", None)
    if not isinstance(snippet, dict):
        raise StackValidationFailed(f'"{name}" is not a valid resource definition.'
                                    if hot else "Each Resource must contain a Type key.")
    invalid = sorted(set(snippet) - set(keys))
    if invalid:
        raise StackValidationFailed(
            "Invalid keyword(s) inside a resource definition: " + ", ".join(invalid),
            path=["resources" if hot else "Resources", name])
    type_key = "type" if hot else "Type"
    kind = snippet.get(type_key)
    if kind is None:
        raise StackValidationFailed(f'Resource "{name}" has no type')
    if not isinstance(kind, str):
        raise StackValidationFailed(f'Resource "{name}" type is not a string')
    if not kind:
        raise StackValidationFailed(f"Non-empty resource type is required for resource "
                                    f'"{name}"')

    def get(hot_key: str) -> Any:
        return snippet.get(hot_key if hot else _RES_KEYS[hot_key])

    props = get("properties")
    if props is None:
        props = {}
    policy = get("deletion_policy") or "Delete"
    if isinstance(policy, str) and policy not in _DELETION_POLICIES:
        raise StackValidationFailed(f'Invalid deletion policy "{policy}"',
                                    path=["resources" if hot else "Resources", name,
                                          "deletion_policy" if hot else "DeletionPolicy"])
    metadata = get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise StackValidationFailed("Metadata must be a map.")
    return ResourceDefinition(
        name=name, type=kind, properties=props, metadata=metadata,
        depends_on=_depends(get("depends_on"), name),
        deletion_policy=str(policy).capitalize() if isinstance(policy, str) else "Delete",
        update_policy=get("update_policy"), description=str(get("description") or ""),
        condition=get("condition"), external_id=snippet.get("external_id"))


def read(doc: dict[str, Any], files: dict[str, str] | None = None) -> Template:
    """``doc`` (already parsed) as a template, or refused in Heat's words."""
    version = version_of(doc)
    hot = version.kind == "hot"
    sections = set(_HOT_SECTIONS)
    if hot and version.conditions:
        sections.add("conditions")
    if not hot:
        sections = set(_CFN_SECTIONS)
    for key in doc:
        if key not in sections:
            raise InvalidTemplateSection(section=key)
    s = (lambda hot_name, cfn_name: doc.get(hot_name if hot else cfn_name))  # noqa: E731
    resources_raw = s("resources", "Resources")
    if resources_raw is not None and not isinstance(resources_raw, dict):
        raise StackValidationFailed('The "resources" section must be a map.' if hot else
                                    "Resources must contain Resource. Found a "
                                    f"[{type(resources_raw).__name__}] instead")
    resources = {str(name): _resource(str(name), snippet, hot, version)
                 for name, snippet in (resources_raw or {}).items()}
    for res in resources.values():
        for dep in res.depends_on:
            if dep not in resources:
                from nimbus.orchestration.template.errors import InvalidTemplateReference

                raise InvalidTemplateReference(resource=dep, key=res.name)
    outputs: dict[str, OutputDefinition] = {}
    for name, out in _mapping(s("outputs", "Outputs"), "outputs").items():
        if not isinstance(out, dict):
            raise StackValidationFailed(f'Output "{name}" must be a map.' if hot else
                                        f"Outputs must contain Output. Found a [{type(out)}] "
                                        "instead")
        keys = _OUT_KEYS if hot else {v: v for v in _OUT_KEYS.values()}
        invalid = sorted(set(out) - set(keys))
        if invalid:
            raise StackValidationFailed(f'"{invalid[0]}" is not a valid keyword inside an output '
                                        "definition", path=["outputs" if hot else "Outputs", name])
        outputs[str(name)] = OutputDefinition(
            str(name), out.get("value" if hot else "Value"),
            str(out.get("description" if hot else "Description") or ""),
            out.get("condition" if hot else "Condition"))
    groups = doc.get("parameter_groups") if hot else None
    return Template(
        doc=doc, version=version,
        description=str(s("description", "Description") or ""),
        parameters=_mapping(s("parameters", "Parameters"), "parameters"),
        parameter_groups=list(groups) if isinstance(groups, list) else [],
        resources=resources, outputs=outputs,
        conditions=_mapping(s("conditions", "Conditions"), "conditions"),
        mappings=_mapping(None if hot else doc.get("Mappings"), "Mappings"),
        files=dict(files or {}))
