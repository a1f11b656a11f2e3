"""A stack as the intrinsic functions see it, for evaluating snippets in tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nimbus.orchestration.template import functions, versions
from nimbus.orchestration.template.versions import Version

PSEUDO = {"OS::stack_name": "teststack", "OS::stack_id": "stack-id",
          "OS::project_id": "project-id", "AWS::StackName": "teststack",
          "AWS::StackId": "arn:openstack:heat::project-id:stacks/teststack/stack-id",
          "AWS::Region": "ap-southeast-1"}


def version(name: str) -> Version:
    """``hot:2016-10-14`` style shorthand for a version."""
    kind, _, date = name.partition(":")
    key = {"hot": versions.HOT, "aws": versions.AWS, "heat": versions.HEAT_CFN}[kind]
    return versions.named(f"{key}.{date}")


@dataclass
class FakeContext:
    version: Version
    params: dict[str, Any] = field(default_factory=dict)
    # name -> reference; a resource whose reference is None has not been created.
    resources: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    facade: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        section = self.conditions
        self._conds = functions.Conditions(section, self.version)

    def get_param(self, name: str) -> Any:
        return self.params[name]

    def pseudo_param(self, name: str) -> Any:
        return PSEUDO[name]

    def get_resource(self, name: str) -> Any:
        return self.resources[name]

    def get_attr(self, resource: str, attribute: str) -> Any:
        if self.resources[resource] is None:
            return None
        return self.attrs.get(resource, {}).get(attribute)

    def all_attributes(self, resource: str) -> dict[str, Any] | None:
        if self.resources[resource] is None:
            return None
        return self.attrs.get(resource, {})

    def get_file(self, name: str) -> str:
        return self.files[name]

    def condition(self, name: str) -> bool:
        return self._conds.is_enabled(name, self)

    def resource_facade(self, kind: str) -> Any:
        return self.facade[kind]

    def availability_zones(self) -> list[str]:
        return ["nova", "zone2"]

    def mapping(self, name: str) -> Mapping[str, Any]:
        found: Mapping[str, Any] = self.mappings[name]
        return found


def ctx(name: str = "hot:2021-04-16", **kwargs: Any) -> FakeContext:
    return FakeContext(version(name), **kwargs)
