"""Checking snippets without evaluating them, finding the resources they reference, and the
function listings of ``GET /template_versions/{v}/functions``."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.orchestration.template import functions as F
from nimbus.orchestration.template.errors import (
    InvalidTemplateAttribute,
    InvalidTemplateReference,
    StackValidationFailed,
    UserParameterMissing,
)
from tests.unit.orchestration.fakes import ctx, version

HOT = version("hot:2021-04-16")
PROPS = ["resources", "server", "properties"]
OUTPUT = ["outputs", "out", "value"]
RESOURCES = {"server", "port"}


def check(snippet: Any, path: list[str] = PROPS, v: Any = HOT, **kwargs: Any) -> None:
    F.check(snippet, v, {"name", "zones"}, RESOURCES, path, **kwargs)


def refused(snippet: Any, path: list[str] = PROPS, v: Any = HOT, **kwargs: Any) -> str:
    with pytest.raises(StackValidationFailed) as err:
        check(snippet, path, v, **kwargs)
    return err.value.message


def test_valid_snippets_pass() -> None:
    check({"net": {"get_resource": "port"}, "ips": [{"get_attr": ["port", "fixed_ips", 0]}],
           "name": {"str_replace": {"template": "x-$n", "params": {"$n": {"get_param": "name"}}}},
           "z": {"get_param": ["zones", 0]}, "id": {"get_param": "OS::stack_id"}})
    check({"get_attr": ["server", "networks"]}, OUTPUT)


def test_argument_shapes_are_refused_at_the_calls_path() -> None:
    assert refused({"foo": [1, {"list_join": ","}]}) == (
        'resources.server.properties.foo[1].list_join: Incorrect arguments to "list_join" '
        'should be: "list_join" : [ " ", [ "str1", "str2"] ...]')
    # The inner call is parsed (and refused) before the outer.
    assert refused({"foo": {"list_join": [",", [{"get_attr": 5}]]}}) == (
        'resources.server.properties.foo.list_join[1][0].get_attr: Argument to "get_attr" '
        "must be a list")


def test_unknown_references_from_properties_name_the_dependency_path() -> None:
    with pytest.raises(InvalidTemplateReference) as err:
        check({"foo": {"get_resource": "missing"}})
    assert err.value.message == \
        'The specified reference "missing" (in server.Properties.foo) is incorrect.'
    with pytest.raises(InvalidTemplateReference) as err:
        F.check({"Foo": {"Fn::Join": [",", ["blarg", {"Fn::GetAtt": ["foo", "bar"]}, "wibble",
                                             {"Fn::GetAtt": ["baz", "bar"]}]]}},
                version("heat:2012-12-12"), set(), {"foo", "bar"},
                ["Resources", "bar", "Properties"])
    assert err.value.message == \
        'The specified reference "baz" (in bar.Properties.Foo.Fn::Join[1][3]) is incorrect.'
    with pytest.raises(InvalidTemplateReference) as err:
        check({"foo": {"list_join": [",", [{"get_attr": ["missing", "a"]}]]}},
              ["resources", "server", "metadata"])
    assert err.value.message == ('The specified reference "missing" (in '
                                 "server.Metadata.foo.list_join[1][0]) is incorrect.")


def test_unknown_references_elsewhere_are_found_by_validation() -> None:
    assert refused({"get_attr": ["missing", "a"]}, OUTPUT) == (
        'outputs.out.value.get_attr: The specified reference "missing" (in unknown) is '
        "incorrect.")
    # Nested calls report their own path inside the outer call's message, as Heat does.
    assert refused({"list_join": [",", [{"get_attr": ["missing", "a"]}]]}, OUTPUT) == (
        'outputs.out.value.list_join: [1][0].get_attr: The specified reference "missing" '
        "(in unknown) is incorrect.")
    # Heat lets an output's get_resource through until the output is shown.
    check({"get_resource": "missing"}, OUTPUT)


def test_removed_functions_are_refused_by_validation() -> None:
    assert refused({"foo": {"Fn::Join": [",", []]}}) == (
        "resources.server.properties.foo.Fn::Join: The template version is invalid: The "
        "function Fn::Join is not supported in this version of HOT.")
    assert refused({"foo": [{"Ref": "port"}]}, v=version("hot:2014-10-16")) == (
        "resources.server.properties.foo[0].Ref: The template version is invalid: The "
        "function Ref is not supported in this version of HOT.")
    check({"foo": {"Fn::Select": [0, ["a"]]}}, v=version("hot:2015-04-30"))
    assert "Fn::Select is not supported" in refused({"foo": {"Fn::Select": [0, ["a"]]}},
                                                    v=version("hot:2015-10-15"))


def test_strict_checks_name_undefined_parameters() -> None:
    with pytest.raises(UserParameterMissing) as err:
        check({"foo": {"get_param": "missing"}})
    assert err.value.message == "The Parameter (missing) was not provided."
    check({"foo": {"get_param": "missing"}}, strict=False)
    with pytest.raises(InvalidTemplateReference) as ref:
        F.check({"Ref": "Nope"}, version("aws:2010-09-09"), {"P"}, {"R"}, ["Outputs", "o", "Value"])
    assert ref.value.message == 'The specified reference "Nope" (in unknown) is incorrect.'
    F.check({"Ref": "AWS::StackName"}, version("aws:2010-09-09"), set(), set(), ["Outputs"])
    with pytest.raises(UserParameterMissing):
        check({"get_param": "OS::region"})


def test_attribute_names_can_be_checked() -> None:
    def attributes(resource: str) -> set[str] | None:
        return {"networks"} if resource == "server" else None

    check({"get_attr": ["server", "networks"]}, OUTPUT, attributes=attributes)
    check({"get_attr": ["port", "anything"]}, OUTPUT, attributes=attributes)
    check({"get_attr": ["server"]}, OUTPUT, attributes=attributes)
    with pytest.raises(StackValidationFailed) as err:
        check({"get_attr": ["server", "nope"]}, OUTPUT, attributes=attributes)
    assert err.value.message == \
        "outputs.out.value.get_attr: The Referenced Attribute (server nope) is incorrect."
    assert InvalidTemplateAttribute(resource="a", key="b").message == \
        "The Referenced Attribute (a b) is incorrect."


def test_check_looks_at_both_values_of_an_if_unless_given_a_context() -> None:
    snippet = {"foo": {"if": ["cond", {"get_resource": "port"}, {"Fn::Join": []}]}}
    assert "Fn::Join is not supported" in refused(snippet)
    c = ctx(conditions={"cond": True}, resources={"port": "p"})
    check(snippet, ctx=c)
    assert refused({"foo": {"if": ["nope", 1, 2]}}, conditions={"cond"}) == \
        'resources.server.properties.foo.if: Invalid condition "nope"'
    assert refused({"foo": {"if": [{"equals": [1]}, 1, 2]}}) == \
        'if.equals: Arguments to "equals" must be of the form: [value_1, value_2]'


def test_check_a_condition() -> None:
    F.check({"equals": [{"get_param": "name"}, "x"]}, HOT, {"name"}, set(),
            ["resources", "r", "condition"], as_condition=True)
    with pytest.raises(StackValidationFailed) as err:
        F.check("nope", HOT, set(), set(), ["resources", "r", "condition"],
                conditions={"yes"}, as_condition=True)
    assert err.value.message == 'resources.r.condition: Invalid condition "nope"'
    with pytest.raises(StackValidationFailed) as err:
        F.check({"get_resource": "r"}, HOT, set(), {"r"}, ["outputs", "o", "condition"],
                as_condition=True)
    assert err.value.message == ('outputs.o.condition.get_resource: The function '
                                 '"get_resource" is invalid in this context')


def test_dependencies() -> None:
    snippet = {"a": {"get_resource": "server"}, "b": [{"get_attr": ["port", "ip"]}],
               "c": {"get_param": "name"}, "d": {"get_resource": "elsewhere"}}
    assert F.dependencies(snippet, HOT, RESOURCES) == {"server", "port"}
    cfn = version("aws:2010-09-09")
    assert F.dependencies({"x": [{"Ref": "Server"}, {"Ref": "Param"},
                                 {"Fn::GetAtt": ["Db", "Ip"]}]}, cfn, {"Server", "Db"}) == \
        {"Server", "Db"}
    branchy = {"if": ["c", {"get_resource": "server"}, {"get_resource": "port"}]}
    assert F.dependencies(branchy, HOT, RESOURCES) == {"server", "port"}
    c = ctx(conditions={"c": False}, resources={"server": "s", "port": "p"})
    assert F.dependencies(branchy, HOT, RESOURCES, c) == {"port"}
    computed = {"get_resource": {"get_param": "name"}}
    assert F.dependencies(computed, HOT, {"web"}) == set()
    assert F.dependencies(computed, HOT, {"web"}, ctx(params={"name": "web"})) == {"web"}


def names(listing: list[dict[str, str]]) -> list[str]:
    return [f["functions"] for f in listing]


def test_function_descriptions() -> None:
    listing = F.function_descriptions(version("hot:2016-04-08"))
    assert names(listing) == ["get_attr", "get_file", "get_param", "get_resource", "list_join",
                              "repeat", "resource_facade", "str_replace", "digest", "str_split",
                              "map_merge"]
    described = {f["functions"]: f["description"] for f in listing}
    assert described["get_file"] == "A function for including a file inline."
    assert all(described.values())
    with_conditions = names(F.function_descriptions(version("hot:2016-10-14"), True))
    assert with_conditions[-5:] == ["if", "equals", "not", "and", "or"]
    assert with_conditions.count("get_param") == 1
    assert names(F.function_descriptions(version("hot:2016-10-14"), with_condition=True)) == \
        with_conditions
    assert names(F.function_descriptions(version("hot:2017-09-01"), True))[-4:] == \
        ["equals", "not", "and", "or"]
    assert "Fn::Join" in names(F.function_descriptions(version("hot:2013-05-23")))
    assert names(F.function_descriptions(version("heat:2012-12-12"), True))[-1] == \
        "Fn::ResourceFacade"
    aws = F.function_descriptions(version("aws:2010-09-09"), True)
    assert names(aws) == ["Fn::FindInMap", "Fn::GetAZs", "Ref", "Fn::GetAtt", "Fn::Select",
                          "Fn::Join", "Fn::Split", "Fn::Replace", "Fn::Base64",
                          "Fn::MemberListToMap", "Fn::ResourceFacade", "Fn::If",
                          "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"]


def test_function_tables() -> None:
    assert F.is_function({"get_param": "x"}, HOT)
    assert F.is_function({"Fn::Join": []}, HOT)  # removed, still a call (to refuse)
    assert not F.is_function({"Fn::If": []}, HOT)
    assert not F.is_function({"get_param": "x", "y": 1}, HOT)
    assert F.pseudo_parameters(version("aws:2010-09-09")) == \
        {"AWS::StackId", "AWS::StackName", "AWS::Region"}
    cond = F.condition_table(HOT)
    assert cond["get_attr"].__name__ == "Invalid"
    assert cond["Fn::Join"].__name__ == "Removed"
    assert cond["equals"].__name__ == "Equals"
