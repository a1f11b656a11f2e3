"""Resource types as the API lists and describes them, and the template Heat generates to
make one (``GET /resource_types/{type}/template``)."""

from __future__ import annotations

import re
from typing import Any

from nimbus.orchestration.resources import registry
from nimbus.orchestration.resources.base import Resource
from nimbus.orchestration.resources.schema import Prop
from nimbus.orchestration.template.errors import EntityNotFound

_PARAM_TYPES = {"string": ("string", "String"), "integer": ("number", "Number"),
                "number": ("number", "Number"), "boolean": ("boolean", "Boolean"),
                "list": ("comma_delimited_list", "CommaDelimitedList"),
                "map": ("json", "Json"), "any": ("json", "Json")}


def _visible(req: Any, name: str) -> bool:
    rule = f"resource_types:{name}"
    return not req.has_rule(rule) or req.allowed(rule)


def listing(req: Any, name: str | None = None, version: str | None = None,
            support_status: str | None = None, with_description: bool = False) -> list[Any]:
    found: list[Any] = []
    for type_name, cls in sorted(registry.types().items()):
        if not _visible(req, type_name):
            continue
        if name and not (re.search(name, type_name) if _regex(name) else name in type_name):
            continue
        if version and (cls.SUPPORT.version or "") != version:
            continue
        if support_status and cls.SUPPORT.status != support_status.upper():
            continue
        found.append({"resource_type": type_name, "description": cls.DESCRIPTION}
                     if with_description else type_name)
    return found


def _regex(text: str) -> bool:
    try:
        re.compile(text)
    except re.error:
        return False
    return True


def _plugin(req: Any, type_name: str) -> type[Resource]:
    found = registry.types().get(type_name)
    if found is None or (req is not None and not _visible(req, type_name)):
        raise EntityNotFound(entity="Resource Type", name=type_name, heat_type="EntityNotFound")
    return found


def schema(req: Any, type_name: str, with_description: bool = False) -> dict[str, Any]:
    info = _plugin(req, type_name).info().describe()
    if not with_description:
        info.pop("description", None)
    return info


def _param(prop: Prop, hot: bool) -> dict[str, Any]:
    kind = _PARAM_TYPES.get(prop.type, ("string", "String"))[0 if hot else 1]
    found: dict[str, Any] = {("type" if hot else "Type"): kind}
    if prop.description:
        found["description" if hot else "Description"] = prop.description
    if prop.default is not None:
        found["default" if hot else "Default"] = prop.default
    if prop.allowed:
        if hot:
            found["constraints"] = [{"allowed_values": list(prop.allowed)}]
        else:
            found["AllowedValues"] = list(prop.allowed)
    return found


def template(type_name: str, kind: str) -> dict[str, Any]:
    cls = _plugin(None, type_name)
    short = type_name.split("::")[-1]
    info = cls.info()
    hot = kind == "hot"
    params = {name: _param(prop, hot) for name, prop in info.properties.items()}
    if hot:
        return {"heat_template_version": "2016-10-14",
                "description": f"Initial template of {short}",
                "parameters": params,
                "resources": {short: {"type": type_name, "properties": {
                    name: {"get_param": name} for name in info.properties}}},
                "outputs": {name: {"description": attr.description,
                                   "value": {"get_attr": [short, name]}}
                            for name, attr in info.attributes.items()}}
    return {"HeatTemplateFormatVersion": "2012-12-12",
            "Description": f"Initial template of {short}",
            "Parameters": params,
            "Resources": {short: {"Type": type_name, "Properties": {
                name: {"Ref": name} for name in info.properties}}},
            "Outputs": {name: {"Description": attr.description,
                               "Value": {"Fn::GetAtt": [short, name]}}
                        for name, attr in info.attributes.items()}}
