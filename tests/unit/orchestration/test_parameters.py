"""Parameter schemas, values and the ``POST /validate`` view, refused in Heat's words."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.orchestration.template import parameters as P
from nimbus.orchestration.template.errors import (
    InvalidSchemaError,
    StackValidationFailed,
    UnknownUserParameter,
    UserParameterMissing,
)
from tests.unit.orchestration.fakes import version

HOT = version("hot:2021-04-16")
CFN = version("aws:2010-09-09")


def schema_error(section: Any, v: Any = HOT) -> str:
    with pytest.raises(InvalidSchemaError) as err:
        P.values(P.schemas_of(section, v), {}, validate_required=False)
    return err.value.message


def value_error(schema: dict[str, Any], value: Any, v: Any = HOT, name: str = "p",
                **kwargs: Any) -> str:
    with pytest.raises(StackValidationFailed) as err:
        P.values(P.schemas_of({name: schema}, v), {name: value}, **kwargs)
    return err.value.message


def test_hot_schemas() -> None:
    schemas = P.schemas_of({
        "flavor": {"type": "string", "default": "m1.small", "description": "Flavor",
                   "label": "Flavor name", "hidden": True, "immutable": True,
                   "tags": ["compute"]},
        "count": {"type": "number"},
    }, HOT)
    flavor = schemas["flavor"]
    assert (flavor.type, flavor.default, flavor.description, flavor.label) == \
        ("string", "m1.small", "Flavor", "Flavor name")
    assert flavor.hidden and flavor.immutable and flavor.tags == ["compute"]
    assert schemas["count"].default is None and not schemas["count"].hidden
    assert P.schemas_of(None, HOT) == {} and P.schemas_of({}, CFN) == {}


def test_cfn_schemas() -> None:
    schemas = P.schemas_of({"Key": {"Type": "CommaDelimitedList", "NoEcho": "TRUE",
                                    "MinLength": "1", "MaxLength": 4, "Default": "a,b"}}, CFN)
    key = schemas["Key"]
    assert key.type == "comma_delimited_list" and key.type_name == "CommaDelimitedList"
    assert key.hidden and len(key.constraints) == 1
    length = key.constraints[0]
    assert isinstance(length, P.Length) and (length.min, length.max) == (1, 4)


@pytest.mark.parametrize(("section", "message"), [
    ({"p": {"type": "str"}}, "Invalid type (str)"),
    ({"p": {"typ": "string"}}, "Invalid key 'typ' for parameter (p)"),
    ({"p": {}}, "Missing parameter type for parameter: p"),
    ({"p": "string"}, "Invalid parameter (p), expected a mapping"),
    ({"p": {"type": "string", "tags": "a"}}, "Tags property should be a list for parameter: p"),
    ({"p": {"type": "string", "constraints": {"length": {"min": 1}}}},
     "Invalid parameter constraints for parameter p, expected a list"),
    ({"p": {"type": "string", "constraints": ["x"]}},
     "Invalid parameter constraints, expected a mapping"),
    ({"p": {"type": "string", "constraints": [{"nope": 1}]}},
     "Invalid key 'nope' for parameter constraints"),
    ({"p": {"type": "number", "constraints": [{"range": 5}]}},
     "Invalid range constraint, expected a mapping"),
    ({"p": {"type": "number", "constraints": [{"range": {"minimum": 1}}]}},
     "Invalid key 'minimum' for range constraint"),
    ({"p": {"type": "number", "constraints": [{"range": {}}]}},
     "A range constraint must have a min value and/or a max value specified."),
    ({"p": {"type": "string", "constraints": [{"length": {}}]}},
     "A length constraint must have a min value and/or a max value specified."),
    ({"p": {"type": "string", "constraints": [{"length": {"min": 1.5}}]}},
     "min/max length must be integral"),
    ({"p": {"type": "string", "constraints": [{"description": "x"}]}}, "No constraint expressed"),
    ({"p": {"type": "string", "constraints": [{"allowed_values": "a"}]}},
     "AllowedValues must be a list"),
    ({"p": {"type": "string", "constraints": [{"allowed_pattern": 5}]}},
     "AllowedPattern must be a string"),
    ({"p": {"type": "number", "constraints": [{"modulo": {"step": 2}}]}},
     "A modulo constraint must have a step value and an offset value specified."),
    ({"p": {"type": "number", "constraints": [{"modulo": {"step": 0, "offset": 0}}]}},
     "step cannot be 0."),
    ({"p": {"type": "number", "constraints": [{"modulo": {"step": 2, "offset": 2}}]}},
     "offset must be smaller (by absolute value) than step."),
    ({"p": {"type": "number", "constraints": [{"modulo": {"step": 3, "offset": -1}}]}},
     "step and offset must be both positive or both negative."),
    ({"p": {"type": "number", "constraints": [{"modulo": {"step": 1.5, "offset": 0}}]}},
     "step/offset must be integer"),
    # Schema checks, made when values are: the parameter is named.
    ({"p": {"type": "string", "constraints": [{"range": {"min": 1}}]}},
     "Parameter 'p' is invalid: Range constraint invalid for string"),
    ({"p": {"type": "json", "constraints": [{"custom_constraint": "nova.flavor"}]}},
     "Parameter 'p' is invalid: CustomConstraint constraint invalid for json"),
    ({"p": {"type": "string", "default": "abc", "constraints": [
        {"allowed_pattern": "[0-9]+", "description": "wibble"}]}},
     "Parameter 'p' is invalid: Invalid default abc (wibble)"),
    ({"p": {"type": "number", "default": 11, "constraints": [{"range": {"max": 10}}]}},
     "Parameter 'p' is invalid: Invalid default 11 (11 is out of range (min: None, max: 10))"),
    ({"p": {"type": "comma_delimited_list", "default": 5}},
     "Parameter 'p' is invalid: Default must be a comma-delimited list string: 'int' object "
     "has no attribute 'split'"),
])
def test_hot_schemas_refused(section: dict[str, Any], message: str) -> None:
    assert schema_error(section) == message


def test_schema_keys_and_constraints_by_version() -> None:
    tags = {"p": {"type": "string", "tags": ["a"]}}
    assert schema_error(tags, version("hot:2017-09-01")) == "Invalid key 'tags' for parameter (p)"
    modulo = {"p": {"type": "number", "constraints": [{"modulo": {"step": 2, "offset": 1}}]}}
    assert schema_error(modulo, version("hot:2016-10-14")) == "No constraint expressed"
    assert P.schemas_of(modulo, version("hot:2017-02-24"))["p"].constraints[0].kind == "Modulo"


@pytest.mark.parametrize(("section", "message"), [
    ({"P": {"Type": "Str"}}, "Invalid type (Str)"),
    ({"P": {"Type": "String", "Immutable": True}}, "Invalid key 'Immutable' for parameter (P)"),
    ({"P": {"Type": "Json", "AllowedValues": [1], "ConstraintDescription": "wibble"}},
     "Parameter 'P' is invalid: AllowedValues constraint invalid for Json"),
    ({"P": {"Type": "String", "AllowedValues": ["a"], "ConstraintDescription": "wibble",
            "Default": "b"}}, "Parameter 'P' is invalid: Invalid default b (wibble)"),
    ({"P": {"Type": "Number", "MinValue": "abc"}}, "could not convert string to float: 'abc'"),
])
def test_cfn_schemas_refused(section: dict[str, Any], message: str) -> None:
    assert schema_error(section, CFN) == message


@pytest.mark.parametrize(("kind", "given", "typed"), [
    ("string", 5, "5"),
    ("number", "5", 5),
    ("number", "1.5", 1.5),
    ("number", 7, 7),
    ("boolean", "yes", True),
    ("boolean", "False", False),
    ("boolean", 1, True),
    ("comma_delimited_list", "a,b", ["a", "b"]),
    ("comma_delimited_list", "", []),
    ("comma_delimited_list", ["x", 1], ["x", "1"]),
    ("json", '{"a": [1]}', {"a": [1]}),
    ("json", {"a": 1}, {"a": 1}),
    ("json", [1, 2], [1, 2]),
])
def test_values_are_typed(kind: str, given: Any, typed: Any) -> None:
    schemas = P.schemas_of({"p": {"type": kind}}, HOT)
    assert P.values(schemas, {"p": given}) == {"p": typed}


def test_given_values_override_environment_defaults_which_override_the_template() -> None:
    schemas = P.schemas_of({"a": {"type": "string", "default": "tmpl"},
                            "b": {"type": "string", "default": "tmpl"},
                            "c": {"type": "string", "default": "tmpl"}}, HOT)
    assert P.values(schemas, {"a": "user", "b": None}, {"a": "env", "b": "env", "x": "ignored"}) \
        == {"a": "user", "b": "env", "c": "tmpl"}


def test_unknown_and_missing_parameters() -> None:
    schemas = P.schemas_of({"p": {"type": "string"}}, HOT)
    with pytest.raises(UnknownUserParameter) as unknown:
        P.values(schemas, {"p": "x", "zz": 1})
    assert unknown.value.message == "The Parameter (zz) was not defined in template."
    with pytest.raises(UserParameterMissing) as missing:
        P.values(schemas, {})
    assert missing.value.message == "The Parameter (p) was not provided."
    assert P.values(schemas, {}, validate_required=False) == {}


@pytest.mark.parametrize(("schema", "value", "message"), [
    ({"type": "number"}, "str", "could not convert string to float: 'str'"),
    ({"type": "number"}, ["foo"], "int() argument must be a string, a bytes-like object or a "
                                  "real number, not 'list'"),
    ({"type": "number", "constraints": [{"range": {"max": 2}}]}, "3",
     "3 is out of range (min: None, max: 2)"),
    ({"type": "number", "constraints": [{"range": {"max": 2}, "description": "wibble"}]}, 3,
     "wibble"),
    ({"type": "number", "constraints": [{"modulo": {"step": 2, "offset": 0}}]}, 3,
     "3 is not a multiple of 2 with an offset of 0"),
    ({"type": "string", "constraints": [{"length": {"min": 1, "max": 2}}]}, "abc",
     "length (3) is out of range (min: 1, max: 2)"),
    ({"type": "string", "constraints": [{"allowed_values": ["a", "b"]}]}, "z",
     '"z" is not an allowed value ["a", "b"]'),
    ({"type": "number", "constraints": [{"allowed_values": ["1", "3"]}]}, 2,
     '2 is not an allowed value ["1", "3"]'),
    ({"type": "comma_delimited_list", "constraints": [{"allowed_values": ["a"]}]}, "a,b",
     '["a", "b"] is not an allowed value ["a"]'),
    ({"type": "comma_delimited_list"}, 5,
     "Value must be a comma-delimited list string: 'int' object has no attribute 'split'"),
    ({"type": "json"}, "x", "Value must be valid JSON: Expecting value: line 1 column 1 "
                            "(char 0)"),
    ({"type": "json", "constraints": [{"length": {"max": 1}}]}, {"a": 1, "b": 2},
     "length (2) is out of range (min: None, max: 1)"),
    ({"type": "boolean"}, "foo", "Unrecognized value 'foo', acceptable values are: '0', '1', "
                                 "'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"),
])
def test_values_refused(schema: dict[str, Any], value: Any, message: str) -> None:
    assert value_error(schema, value) == f"Parameter 'p' is invalid: {message}"


def test_heats_own_examples() -> None:
    pattern = {"Type": "String", "AllowedPattern": "[a-z]*"}
    assert value_error(pattern, "234", CFN, "testparam") == \
        "Parameter 'testparam' is invalid: \"234\" does not match pattern \"[a-z]*\""
    allowed = {"Type": "Number", "AllowedValues": ["1", "3", "5"]}
    assert P.values(P.schemas_of({"p": allowed}, CFN), {"p": "5"}) == {"p": 5}
    assert P.values(P.schemas_of({"p": {"Type": "CommaDelimitedList", "Default": ""}}, CFN)) \
        == {"p": []}


def test_custom_constraints_are_left_to_a_hook() -> None:
    schema = {"type": "string", "default": "m1.tiny",
              "constraints": [{"custom_constraint": "nova.flavor"}]}
    schemas = P.schemas_of({"p": schema}, HOT)
    assert P.values(schemas, {"p": "anything"}) == {"p": "anything"}

    def check(name: str, value: Any) -> str | None:
        return None if value == "m1.small" else f"Error validating value '{value}'"

    assert P.values(schemas, {"p": "m1.small"}, custom_check=check) == {"p": "m1.small"}
    assert value_error(schema, "m1.huge", custom_check=check) == \
        "Parameter 'p' is invalid: Error validating value 'm1.huge'"
    # The default is not looked up when the schema is checked.
    assert P.values(schemas, {}, validate_required=False, custom_check=check) == {"p": "m1.tiny"}


def test_validate_view_as_heat_renders_it() -> None:
    schemas = P.schemas_of({"aparam": {"type": "number", "default": 10,
                                       "description": "the param description"}}, HOT)
    expected = {"Default": 10, "Description": "the param description", "Label": "aparam",
                "NoEcho": "false", "Type": "Number"}
    assert P.validate_view(schemas) == {"aparam": expected}
    assert P.validate_view(schemas, {"aparam": 5}) == {"aparam": {**expected, "Value": 5}}
    assert P.validate_view(schemas, {"aparam": 0}) == {"aparam": expected}
    assert P.validate_view(schemas, defaults={"aparam": 7})["aparam"]["Default"] == 7
    assert P.validate_view(schemas, {}, HOT, {"aparam": 7})["aparam"]["Default"] == 7
    required = P.schemas_of({"net": {"type": "string"}}, HOT)
    assert "Default" not in P.validate_view(required, {"net": "n"})["net"]


def test_validate_view_of_constraints_and_types() -> None:
    schemas = P.schemas_of({
        "s": {"type": "string", "hidden": True, "label": "S", "tags": ["t"], "constraints": [
            {"length": {"min": 1, "max": 8}, "description": "short"},
            {"allowed_pattern": "[a-z]+", "description": "lower"},
            {"custom_constraint": "nova.keypair"}]},
        "n": {"type": "number", "constraints": [{"range": {"min": 1}},
                                                {"modulo": {"step": 2, "offset": 1}},
                                                {"allowed_values": [1, 3, 5]}]},
        "l": {"type": "comma_delimited_list"}, "j": {"type": "json"}, "b": {"type": "boolean"},
    }, HOT)
    view = P.validate_view(schemas)
    assert view["s"] == {"Type": "String", "Description": "", "NoEcho": "true", "Label": "S",
                         "Tags": ["t"], "MinLength": 1, "MaxLength": 8,
                         "AllowedPattern": "[a-z]+", "CustomConstraint": "nova.keypair",
                         "ConstraintDescription": "short lower"}
    assert view["n"] == {"Type": "Number", "Description": "", "NoEcho": "false", "Label": "n",
                         "MinValue": 1, "Step": 2, "Offset": 1, "AllowedValues": [1, 3, 5]}
    assert [view[k]["Type"] for k in "ljb"] == ["CommaDelimitedList", "Json", "Boolean"]
    cfn = P.schemas_of({"K": {"Type": "String", "Description": "Name of an existing "
                              "EC2KeyPair", "Label": "Nova KeyPair Name"}}, CFN)
    assert P.validate_view(cfn) == {"K": {"Type": "String", "Description": "Name of an "
                                          "existing EC2KeyPair", "NoEcho": "false",
                                          "Label": "Nova KeyPair Name"}}


GROUPS_ERROR = "Parameter Groups error: "


@pytest.mark.parametrize(("groups", "message"), [
    ({"label": "x"}, "parameter_groups: The parameter_groups should be a list."),
    ([{"label": "Server Group"}],
     "parameter_groups.Server Group: The parameters must be provided for each parameter group."),
    ([{"label": "Server Group", "parameters": "a"}],
     "parameter_groups.Server Group: The parameters of parameter group should be a list."),
    ([{"parameters": "a"}], "parameter_groups.: The parameters of parameter group should be a "
                            "list."),
    ([{"label": "A", "parameters": ["a"]}, {"label": "Database Group", "parameters": ["a"]}],
     "parameter_groups.Database Group: The a parameter must be assigned to one parameter "
     "group only."),
    ([{"parameters": ["nope"]}],
     "parameter_groups.: The grouped parameter nope does not reference a valid parameter."),
])
def test_parameter_groups_refused(groups: Any, message: str) -> None:
    schemas = P.schemas_of({"a": {"type": "string"}, "b": {"type": "string"}}, HOT)
    with pytest.raises(StackValidationFailed) as err:
        P.parameter_groups_view(groups, schemas, HOT)
    assert err.value.message == GROUPS_ERROR + message


def test_parameter_groups_view() -> None:
    schemas = P.schemas_of({"a": {"type": "string"}, "b": {"type": "string"}}, HOT)
    groups = [{"label": "str_params", "description": "The string params",
               "parameters": ["a", "OS::stack_id"]}]
    assert P.parameter_groups_view(groups, schemas, HOT) == groups
    assert P.parameter_groups_view(groups, schemas) == groups
    assert P.parameter_groups_view(None, schemas, HOT) is None
    assert P.parameter_groups_view(groups, schemas, CFN) is None


def test_immutable_parameters() -> None:
    schemas = P.schemas_of({"a": {"type": "string", "immutable": True},
                            "b": {"type": "string", "immutable": True},
                            "c": {"type": "string"}}, HOT)
    old = {"a": "1", "b": "1", "c": "1"}
    assert P.immutable_modified(old, schemas, {"a": "1", "b": "2", "c": "2"}, {}) == ["b"]
    assert P.immutable_modified(old, schemas, {"a": "1", "b": "1", "c": "1"}, {"a": "9"}) == ["a"]
