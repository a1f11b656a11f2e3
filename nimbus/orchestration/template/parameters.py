"""Template parameters: their schemas, the values a stack is given for them, and how ``POST
/validate`` shows them.

A schema is refused when it is built (a missing or unknown type, an unknown key, a malformed
constraint) and again when it is checked (a constraint its type cannot have, a default its
constraints refuse); a value is refused against its type and constraints. Every refusal is
worded as Heat words it, since clients and tests compare the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nimbus.orchestration.template.errors import (
    InvalidSchemaError,
    StackValidationFailed,
    UnknownUserParameter,
    UserParameterMissing,
)
from nimbus.orchestration.template.functions_base import failed
from nimbus.orchestration.template.parameters_constraints import (
    AllowedPattern,
    AllowedValues,
    Constraint,
    CustomCheck,
    CustomConstraint,
    Length,
    Modulo,
    Range,
    parse_json,
    parse_list,
    to_bool,
    to_number,
)
from nimbus.orchestration.template.versions import Version

__all__ = ["TYPES", "AllowedPattern", "AllowedValues", "Constraint", "CustomCheck",
           "CustomConstraint", "Length", "Modulo", "ParamSchema", "Range",
           "check_parameter_groups", "immutable_modified", "parameter_groups_view",
           "schemas_of", "to_bool", "to_number", "validate_view", "values"]

TYPES = ("string", "number", "comma_delimited_list", "json", "boolean")
# CloudFormation's spelling of each type, which is also how ``POST /validate`` shows it.
_CFN_TYPES = {"String": "string", "Number": "number", "CommaDelimitedList": "comma_delimited_list",
              "Json": "json", "Boolean": "boolean"}
_API_TYPES = {hot: cfn for cfn, hot in _CFN_TYPES.items()}
_HOT_KEYS = ("type", "description", "default", "schema", "constraints", "hidden", "label",
             "immutable")
_CFN_KEYS = ("Type", "Default", "NoEcho", "AllowedValues", "AllowedPattern", "MaxLength",
             "MinLength", "MaxValue", "MinValue", "Description", "ConstraintDescription",
             "Label")
_CONSTRAINT_KEYS = ("description", "length", "range", "modulo", "allowed_values",
                    "allowed_pattern", "custom_constraint")


@dataclass
class ParamSchema:
    name: str
    type: str  # one of TYPES, whichever kind of template declared it
    default: Any = None
    description: str | None = None
    label: str | None = None
    hidden: bool = False
    immutable: bool = False
    constraints: list[Constraint] = field(default_factory=list)
    tags: list[Any] | None = None
    # The type as the template spelt it ('json' or 'Json'), which Heat's messages quote.
    type_name: str = ""

    def __post_init__(self) -> None:
        self.type_name = self.type_name or self.type

    def convert(self, value: Any) -> Any:
        """A value in this parameter's type, for comparing with allowed values."""
        try:
            if self.type == "number":
                return to_number(value)
            if self.type == "string":
                return str(value)
            if self.type == "boolean":
                return to_bool(str(value))
        except ValueError:
            raise ValueError(f'Value "{value}" is invalid for data type '
                             f'"{self.type_name}".') from None
        return value

    def _check_constraints(self, value: Any, custom: CustomCheck | None,
                           with_custom: bool = True) -> None:
        for constraint in self.constraints:
            if with_custom or not isinstance(constraint, CustomConstraint):
                constraint.check(value, self, custom)

    def check_schema(self) -> None:
        """The constraints suit the type and the default meets them (InvalidSchemaError)."""
        for constraint in self.constraints:
            if self.type not in constraint.valid_types:
                raise InvalidSchemaError(
                    message=f"{constraint.kind} constraint invalid for {self.type_name}")
        if self.default is None:
            return
        value = self.default
        if self.type == "comma_delimited_list":
            if isinstance(value, list):
                value = [str(x) for x in value]
            else:
                try:
                    value = value.split(",")
                except (KeyError, AttributeError) as err:
                    raise InvalidSchemaError(
                        message=f"Default must be a comma-delimited list string: {err}") from None
        try:
            self._check_constraints(value, None, with_custom=False)
        except (ValueError, TypeError) as exc:
            raise InvalidSchemaError(
                message=f"Invalid default {self.default} ({exc})") from None

    def check_value(self, value: Any, custom: CustomCheck | None = None) -> None:
        """``value`` is of this type and meets the constraints (ValueError/TypeError)."""
        if self.type == "number":
            to_number(value)
        elif self.type == "boolean":
            to_bool(value)
        elif self.type == "comma_delimited_list":
            value = parse_list(value)
        elif self.type == "json":
            value = parse_json(value)
        self._check_constraints(value, custom)

    def typed(self, value: Any) -> Any:
        """The value as templates see it: a number, a boolean, a list of strings, JSON."""
        if self.type == "number":
            return to_number(value)
        if self.type == "boolean":
            return to_bool(str(value))
        if self.type == "comma_delimited_list":
            return parse_list(value)
        if self.type == "json":
            return parse_json(value)
        return str(value)


def _check_dict(data: Any, allowed: tuple[str, ...], entity: str) -> None:
    if not isinstance(data, dict):
        raise InvalidSchemaError(message=f"Invalid {entity}, expected a mapping")
    for key in data:
        if key not in allowed:
            raise InvalidSchemaError(message=f"Invalid key '{key}' for {entity}")


def _number(data: Mapping[str, Any], key: str) -> Any:
    value = data.get(key)
    if value is None:
        return None
    try:
        return to_number(value)
    except (ValueError, TypeError) as exc:
        raise InvalidSchemaError(message=str(exc)) from None


def _hot_constraint(data: dict[str, Any], version: Version) -> Constraint:
    """One entry of a HOT ``constraints`` list; of several kinds in one entry only the first
    (in Heat's order) counts, as in Heat."""
    desc = data.get("description")
    if "modulo" in data and version.date >= "2017-02-24":
        spec = data["modulo"]
        _check_dict(spec, ("step", "offset"), "modulo constraint")
        return Modulo(_number(spec, "step"), _number(spec, "offset"), desc)
    for key, cls in (("range", Range), ("length", Length)):
        if key in data:
            spec = data[key]
            _check_dict(spec, ("min", "max"), f"{key} constraint")
            made: Constraint = cls(_number(spec, "min"), _number(spec, "max"), desc)
            return made
    if "allowed_values" in data:
        return AllowedValues(data["allowed_values"], desc)
    if "allowed_pattern" in data:
        return AllowedPattern(data["allowed_pattern"], desc)
    if "custom_constraint" in data:
        return CustomConstraint(data["custom_constraint"], desc)
    raise InvalidSchemaError(message="No constraint expressed")


def _hot_schema(name: str, data: Any, version: Version) -> ParamSchema:
    with_tags = version.date >= "2018-03-02"
    _check_dict(data, _HOT_KEYS + (("tags",) if with_tags else ()), f"parameter ({name})")
    if "type" not in data:
        raise InvalidSchemaError(message=f"Missing parameter type for parameter: {name}")
    if with_tags and not isinstance(data.get("tags", []), list):
        raise InvalidSchemaError(message=f"Tags property should be a list for parameter: {name}")
    constraints = data.get("constraints")
    made: list[Constraint] = []
    if constraints is not None:
        if not isinstance(constraints, list):
            raise InvalidSchemaError(message=f"Invalid parameter constraints for parameter "
                                             f"{name}, expected a list")
        for each in constraints:
            _check_dict(each, _CONSTRAINT_KEYS, "parameter constraints")
            made.append(_hot_constraint(each, version))
    kind = data["type"]
    if kind not in TYPES:
        raise InvalidSchemaError(message=f"Invalid type ({kind})")
    # HOT takes ``hidden`` and ``immutable`` for what they are worth: any true value counts.
    return ParamSchema(name, kind, data.get("default"), data.get("description"),
                       data.get("label"), bool(data.get("hidden", False)),
                       bool(data.get("immutable", False)), made,
                       data.get("tags") if with_tags else None)


def _cfn_schema(name: str, data: Any) -> ParamSchema:
    _check_dict(data, _CFN_KEYS, f"parameter ({name})")
    if "Type" not in data:
        raise InvalidSchemaError(message=f"Missing parameter type for parameter: {name}")
    desc = data.get("ConstraintDescription")
    made: list[Constraint] = []
    if "MinValue" in data or "MaxValue" in data:
        made.append(Range(_number(data, "MinValue"), _number(data, "MaxValue"), desc))
    if "MinLength" in data or "MaxLength" in data:
        made.append(Length(_number(data, "MinLength"), _number(data, "MaxLength"), desc))
    if "AllowedValues" in data:
        made.append(AllowedValues(data["AllowedValues"], desc))
    if "AllowedPattern" in data:
        made.append(AllowedPattern(data["AllowedPattern"], desc))
    kind = data["Type"]
    if kind not in _CFN_TYPES:
        raise InvalidSchemaError(message=f"Invalid type ({kind})")
    return ParamSchema(name, _CFN_TYPES[kind], data.get("Default"), data.get("Description"),
                       data.get("Label"), str(data.get("NoEcho", "false")).lower() == "true",
                       False, made, None, kind)


def schemas_of(section: Any, version: Version) -> dict[str, ParamSchema]:
    """The schemas of a template's ``parameters`` (HOT) or ``Parameters`` (CloudFormation)
    section, refused with InvalidSchemaError as Heat refuses them."""
    if not section:
        return {}
    if not isinstance(section, Mapping):
        raise InvalidSchemaError(message="The parameters section must be a mapping of "
                                         "parameter names to their definitions.")
    if version.kind == "hot":
        return {name: _hot_schema(name, data, version) for name, data in section.items()}
    return {name: _cfn_schema(name, data) for name, data in section.items()}


def values(schemas: Mapping[str, ParamSchema], given: Mapping[str, Any] | None = None,
           defaults: Mapping[str, Any] | None = None, validate_required: bool = True,
           custom_check: CustomCheck | None = None) -> dict[str, Any]:
    """The typed value of every parameter that has one.

    ``given`` are the user's values (the environment's ``parameters``), which override
    ``defaults`` (its ``parameter_defaults``), which override the template's defaults. A given
    name the template lacks is UnknownUserParameter; every schema is checked
    (InvalidSchemaError); with ``validate_required`` (Heat's strict validation) every value is
    checked too (StackValidationFailed) and a parameter without one is UserParameterMissing,
    otherwise (as ``POST /validate``) values are not checked and those missing or unusable are
    left out.
    """
    given = {k: v for k, v in (given or {}).items()}
    for name in given:
        if name not in schemas:
            raise UnknownUserParameter(key=name)
    defaults = defaults or {}
    out: dict[str, Any] = {}
    for name, schema in schemas.items():
        try:
            schema.check_schema()
        except InvalidSchemaError as exc:
            raise InvalidSchemaError(message=f"Parameter '{name}' is invalid: {exc}") from None
        raw = given.get(name)
        if raw is None:
            raw = defaults.get(name)
        if raw is None:
            raw = schema.default
        if validate_required:
            if raw is None:
                raise UserParameterMissing(key=name)
            try:
                schema.check_value(raw, custom_check)
                out[name] = schema.typed(raw)
            except (ValueError, TypeError) as exc:
                raise StackValidationFailed(
                    message=f"Parameter '{name}' is invalid: {exc}") from None
        elif raw is not None:
            try:
                out[name] = schema.typed(raw)
            except (ValueError, TypeError):
                continue
    return out


def validate_view(schemas: Mapping[str, ParamSchema], given: Mapping[str, Any] | None = None,
                  version: Version | None = None,
                  defaults: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The ``Parameters`` of ``POST /validate``'s answer, as Heat renders them: the CFN-style
    type, the default (the environment's ``parameter_defaults`` first), the user's value when
    one was given, and each constraint's keys. ``version`` is not needed: a schema already
    knows its type."""
    given = given or {}
    defaults = defaults or {}
    view: dict[str, dict[str, Any]] = {}
    for name, schema in schemas.items():
        entry: dict[str, Any] = {
            "Type": _API_TYPES.get(schema.type, schema.type),
            "Description": schema.description or "",
            "NoEcho": "true" if schema.hidden else "false",
            "Label": schema.label or name,
        }
        default = defaults.get(name)
        if default is None:
            default = schema.default
        if default is not None:
            entry["Default"] = default
        if given.get(name):
            entry["Value"] = given[name]
        if schema.tags:
            entry["Tags"] = schema.tags
        described = []
        for constraint in schema.constraints:
            constraint.view(entry)
            if constraint.description:
                described.append(constraint.description)
        if described:
            entry["ConstraintDescription"] = " ".join(described)
        view[name] = entry
    return view


def check_parameter_groups(groups: Any, schemas: Mapping[str, ParamSchema],
                           version: Version | None = None) -> None:
    """A HOT template's ``parameter_groups``: a list of groups each listing its
    ``parameters``, every parameter in one group at most and defined by the template.
    (Only HOT has the section: given a CloudFormation ``version`` this checks nothing.)"""
    if (version is not None and version.kind != "hot") or not groups:
        return
    error = "Parameter Groups error"
    if not isinstance(groups, list):
        raise failed(["parameter_groups"], "The parameter_groups should be a list.", error)
    # Heat's own parameters (those it defines for a stack not yet named) may be grouped too.
    known = set(schemas) | {"OS::stack_id", "OS::project_id"}
    grouped: list[Any] = []
    for group in groups:
        group = group if isinstance(group, dict) else {}
        where = ["parameter_groups", group.get("label", "")]
        members = group.get("parameters")
        if members is None:
            raise failed(where, "The parameters must be provided for each parameter group.",
                         error)
        if not isinstance(members, list):
            raise failed(where, "The parameters of parameter group should be a list.", error)
        for param in members:
            if param in grouped:
                raise failed(where, f"The {param} parameter must be assigned to one parameter "
                                    "group only.", error)
            grouped.append(param)
            if param not in known:
                raise failed(where, f"The grouped parameter {param} does not reference a valid "
                                    "parameter.", error)


def parameter_groups_view(groups: Any, schemas: Mapping[str, ParamSchema],
                          version: Version | None = None) -> list[Any] | None:
    """``ParameterGroups`` of ``POST /validate``'s answer (checked first): the section as
    written, or None when the template has none (CloudFormation templates never do)."""
    if (version is not None and version.kind != "hot") or not groups:
        return None
    check_parameter_groups(groups, schemas, version)
    result: list[Any] = groups
    return result


def immutable_modified(old: Mapping[str, Any], new_schemas: Mapping[str, ParamSchema],
                       new: Mapping[str, Any], given: Mapping[str, Any]) -> list[str]:
    """The immutable parameters an update would change: those the old stack had too, whose
    new value (given, else computed) differs from the old one."""
    changed = []
    for name, schema in new_schemas.items():
        if name not in old or name not in new or not schema.immutable:
            continue
        value = given[name] if name in given else new[name]
        if old[name] != value:
            changed.append(name)
    return changed
