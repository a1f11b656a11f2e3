"""CloudFormation's functions, conditions and ``if``: evaluated as Heat evaluates them."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.orchestration.template import functions as F
from nimbus.orchestration.template.errors import InvalidTemplateReference, StackValidationFailed
from tests.unit.orchestration.fakes import FakeContext, ctx, version

STACK: dict[str, Any] = {
    "params": {"Env": "prod", "Size": 2, "Zones": ["a", "b"], "Flag": True},
    "resources": {"Server": "srv-id", "Pending": None},
    "attrs": {"Server": {"PublicIp": "1.2.3.4", "Info": {"k": ["v"]}}},
    "mappings": {"Sizes": {"small": {"cpu": 1}, "big": {"cpu": 8}}},
    "facade": {"metadata": {"m": 1}, "deletion_policy": "Delete", "update_policy": {"u": 1}},
    "conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                   "NotProd": {"Fn::Not": ["IsProd"]}},
}
HOT_CONDITIONS = {"prod": {"equals": [{"get_param": "Env"}, "prod"]},
                  "big": {"equals": [{"get_param": "Size"}, 8]},
                  "prod_and_big": {"and": ["prod", "big"]},
                  "prod_or_big": {"or": ["prod", {"equals": [1, 2]}]},
                  "small": {"not": "big"},
                  "flag": {"get_param": "Flag"}}


def run(snippet: Any, name: str = "aws:2010-09-09", **extra: Any) -> Any:
    return F.resolve(snippet, ctx(name, **{**STACK, **extra}))


def fails(snippet: Any, name: str = "aws:2010-09-09", **extra: Any) -> str:
    with pytest.raises(StackValidationFailed) as err:
        run(snippet, name, **extra)
    return err.value.message


def test_ref_names_a_resource_a_parameter_or_a_pseudo_parameter() -> None:
    assert run({"Ref": "Server"}) == "srv-id"
    assert run({"Ref": "Pending"}) is None
    assert run({"Ref": "Zones"}) == ["a", "b"]
    assert run({"Ref": "AWS::StackName"}) == "teststack"
    assert run({"Ref": "AWS::Region"}) == "ap-southeast-1"
    with pytest.raises(InvalidTemplateReference) as err:
        run({"Ref": "Nope"})
    assert err.value.message == 'The specified reference "Nope" (in unknown) is incorrect.'


def test_ref_without_resource_names_prefers_a_parameter_of_that_name() -> None:
    class Lenient(FakeContext):
        """A context answering None, rather than KeyError, for a resource it lacks."""

        def get_resource(self, name: str) -> Any:
            return self.resources.get(name)

    c = Lenient(version("aws:2010-09-09"), **STACK)
    assert F.resolve([{"Ref": "Env"}, {"Ref": "Server"}, {"Ref": "Other"}], c) == \
        ["prod", "srv-id", None]


def test_getatt() -> None:
    assert run({"Fn::GetAtt": ["Server", "PublicIp"]}) == "1.2.3.4"
    assert run({"Fn::GetAtt": ["Pending", "PublicIp"]}) is None
    assert fails({"Fn::GetAtt": ["Server", "Info", "k"]}) == \
        'Fn::GetAtt: Arguments to "Fn::GetAtt" must be of the form [resource_name, attribute]'


def test_join_split_replace_base64() -> None:
    assert run({"Fn::Join": [":", ["a", {"Ref": "Env"}]]}) == "a:prod"
    assert run({"Fn::Split": [",", "a,b"]}) == ["a", "b"]
    assert fails({"Fn::Split": [",", 5]}) == "String to split must be string; got <class 'int'>"
    assert fails({"Fn::Split": "a,b"}) == \
        'Fn::Split: Incorrect arguments to "Fn::Split" should be: "Fn::Split" : [ ",", "str1,str2"]]'
    assert run({"Fn::Replace": [{"$a": "1", "%b%": 2}, "$a and %b%"]}) == "1 and 2"
    assert fails({"Fn::Replace": {"$a": "1"}}) == (
        'Fn::Replace: Incorrect arguments to "Fn::Replace" should be: {"Fn::Replace": '
        '[ {"$var1": "foo", "%var2%": "bar"}, "$var1 is %var2%"]}')
    assert run({"Fn::Base64": "text"}) == "text"
    assert fails({"Fn::Base64": ["x"]}) == '"Fn::Base64" argument must be a string'


@pytest.mark.parametrize(("args", "expected"), [
    ([1, ["a", "b"]], "b"),
    (["1", ["a", "b"]], "b"),
    ([5, ["a", "b"]], ""),
    (["k", {"k": "v"}], "v"),
    (["x", {"k": "v"}], ""),
    ([0, '["j", "s"]'], "j"),
    ([0, ""], ""),
    ([0, None], ""),
])
def test_select(args: list[Any], expected: Any) -> None:
    assert run({"Fn::Select": args}) == expected


def test_select_failures() -> None:
    assert fails({"Fn::Select": [1]}) == \
        'Fn::Select: Arguments to "Fn::Select" must be of the form [index, collection]'
    assert fails({"Fn::Select": [1, {"k": "v"}]}) == 'Index to "Fn::Select" must be a string'
    assert fails({"Fn::Select": ["x", ["a"]]}) == 'Index to "Fn::Select" must be an integer'
    assert fails({"Fn::Select": [0, "{bad"]}).startswith('"Fn::Select": Expecting property')


def test_find_in_map_azs_and_facade() -> None:
    assert run({"Fn::FindInMap": ["Sizes", "big", "cpu"]}) == 8
    assert fails({"Fn::FindInMap": ["Sizes", "huge", "cpu"]}) == "'huge'"
    assert fails({"Fn::FindInMap": ["Sizes", "big"]}) == \
        "Fn::FindInMap: 'not enough values to unpack (expected 3, got 2)'"
    assert run({"Fn::GetAZs": {"Ref": "AWS::Region"}}) == ["nova", "zone2"]
    assert run({"Fn::ResourceFacade": "UpdatePolicy"}) == {"u": 1}
    assert fails({"Fn::ResourceFacade": "metadata"}) == (
        'Fn::ResourceFacade: Incorrect arguments to "Fn::ResourceFacade" should be one of: '
        "Metadata, DeletionPolicy, UpdatePolicy")


def test_member_list_to_map() -> None:
    members = [".member.0.Name=key", ".member.0.Value=door", ".member.1.Name=colour",
               ".member.1.Value=green", ".member.2.Name=lonely"]
    assert run({"Fn::MemberListToMap": ["Name", "Value", members]}) == \
        {"key": "door", "colour": "green"}
    message = fails({"Fn::MemberListToMap": ["Name", "Value"]})
    assert message.startswith('Fn::MemberListToMap: Wrong Arguments try: "\n            '
                              "{'Fn::MemberListToMap': ['Name', 'Value',")
    assert fails({"Fn::MemberListToMap": [1, "Value", []]}) == \
        "Fn::MemberListToMap: Fn::MemberListToMap Key Name must be a string"


def test_fn_if_and_conditions_in_aws_templates() -> None:
    assert run({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert run({"Fn::If": ["NotProd", "big", "small"]}) == "small"
    assert fails({"Fn::If": ["Nope", 1, 2]}) == 'Fn::If: Invalid condition "Nope"'
    assert fails({"Fn::If": ["IsProd", 1]}) == ('Fn::If: Arguments to "Fn::If" must be of the '
                                                "form: [condition_name, value_if_true, "
                                                "value_if_false]")
    # The Heat-flavoured CloudFormation version has no conditions: Fn::If is data there.
    assert run({"Fn::If": ["IsProd", 1, 2]}, "heat:2012-12-12") == {"Fn::If": ["IsProd", 1, 2]}


def test_resolve_condition_cfn() -> None:
    c = ctx("aws:2010-09-09", **STACK)
    assert F.resolve_condition("IsProd", c) is True
    assert F.resolve_condition({"Fn::Not": ["IsProd"]}, c) is False
    assert F.resolve_condition({"Fn::And": ["IsProd", True]}, c) is True
    assert F.resolve_condition({"Fn::Or": [False, "NotProd"]}, c) is False
    assert F.resolve_condition({"Fn::Equals": [{"Fn::FindInMap": ["Sizes", "big", "cpu"]}, 8]},
                               c) is True
    assert F.resolve_condition(None, c) is True
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition("Nope", c, ["Resources", "R", "Condition"])
    assert err.value.message == 'Resources.R.Condition: Invalid condition "Nope"'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition({"Fn::Not": "IsProd"}, c)
    assert err.value.message == 'Fn::Not: Arguments to "Fn::Not" must be of the form: [condition]'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition({"Fn::GetAtt": ["Server", "PublicIp"]}, c)
    assert err.value.message == 'Fn::GetAtt: The function "Fn::GetAtt" is invalid in this context'


def hot(name: str = "hot:2021-04-16", **extra: Any) -> Any:
    return ctx(name, **{**STACK, "conditions": HOT_CONDITIONS, **extra})


@pytest.mark.parametrize(("snippet", "expected"), [
    ("prod", True), ("big", False), ("prod_and_big", False), ("prod_or_big", True),
    ("small", True), ("flag", True), (True, True), (False, False),
    ({"not": {"equals": [1, 1]}}, False),
    ({"and": ["prod", {"or": ["big", "small"]}]}, True),
    ({"contains": ["a", {"get_param": "Zones"}]}, True),
    ({"yaql": {"expression": "$.data.x > 1", "data": {"x": 2}}}, True),
])
def test_resolve_condition_hot(snippet: Any, expected: bool) -> None:
    assert F.resolve_condition(snippet, hot()) is expected


def test_condition_functions_by_version() -> None:
    contains = {"contains": ["a", ["a"]]}
    assert F.resolve_condition(contains, hot("hot:2017-09-01")) is True
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition(contains, hot("hot:2016-10-14"))
    # No function of that version: just a mapping, which names no condition.
    assert err.value.message == 'Invalid condition "{\'contains\': [\'a\', [\'a\']]}"'
    yaql = {"yaql": {"expression": "true"}}
    assert F.resolve_condition(yaql, hot("hot:2017-09-01")) is True
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition(yaql, hot("hot:2016-10-14"))
    assert err.value.message == 'yaql: The function "yaql" is invalid in this context'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition({"not": {"get_attr": ["Server", "x"]}}, hot())
    assert err.value.message == 'not.get_attr: The function "get_attr" is invalid in this context'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition({"and": ["prod"]}, hot())
    assert err.value.message == 'and: The minimum number of condition arguments to "and" is 2.'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition({"equals": [1]}, hot())
    assert err.value.message == 'equals: Arguments to "equals" must be of the form: ' \
        "[value_1, value_2]"


def test_if_picks_a_value_and_may_drop_its_item_from_2021_04_16() -> None:
    c = hot()
    assert F.resolve({"if": ["prod", "p", "np"]}, c) == "p"
    assert F.resolve({"if": [{"not": "prod"}, "p", {"get_param": "Env"}]}, c) == "prod"
    assert F.resolve({"a": {"if": ["big", 1]}, "b": 2}, c) == {"b": 2}
    assert F.resolve([{"if": ["big", 1]}, 2, {"if": ["prod", 3]}], c) == [2, 3]
    assert F.resolve({"if": ["big", 1]}, c) is None
    # The branch not taken is not even looked at.
    assert F.resolve({"if": ["prod", 1, {"get_param": "missing"}]}, c) == 1
    with pytest.raises(StackValidationFailed) as err:
        F.resolve({"if": ["big", 1]}, hot("hot:2018-08-31"))
    assert err.value.message == ('if: Arguments to "if" must be of the form: [condition_name, '
                                 "value_if_true, value_if_false]")
    with pytest.raises(StackValidationFailed) as err:
        F.resolve({"x": {"if": ["nope", 1, 2]}}, c, ["outputs", "o", "value"])
    assert err.value.message == 'outputs.o.value.x.if: Invalid condition "nope"'


def test_conditions_section() -> None:
    v = version("hot:2021-04-16")
    conds = F.Conditions(HOT_CONDITIONS, v)
    conds.check({"Env", "Size", "Flag", "Zones"})
    assert conds.evaluate_all(hot()) == {"prod": True, "big": False, "prod_and_big": False,
                                         "prod_or_big": True, "small": True, "flag": True}
    with pytest.raises(StackValidationFailed) as err:
        F.Conditions(["x"], v)
    assert err.value.message == ("Conditions validation error: Condition definitions must be a "
                                 "map. Found a list instead")
    with pytest.raises(StackValidationFailed) as err:
        F.Conditions({"a": "b", "b": True}, v).check(set())
    assert err.value.message == \
        'Condition validation error: The definition of condition "a" is invalid: b'
    with pytest.raises(StackValidationFailed) as err:
        F.Conditions({"a": {"equals": [1]}}, v).check(set())
    assert err.value.message == \
        'conditions.a.equals: Arguments to "equals" must be of the form: [value_1, value_2]'
    with pytest.raises(StackValidationFailed) as err:
        F.Conditions({"a": {"not": {"Fn::Select": [0, [1]]}}}, v).check(set())
    assert err.value.message == ("not: Fn::Select: The template version is invalid: The "
                                 "function Fn::Select is not supported in this version of HOT.")
    circular = {"a": {"not": "b"}, "b": {"and": ["a", True]}}
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition("a", hot(conditions=circular))
    assert err.value.message == 'Condition validation error: Circular definition for condition "a"'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition("a", hot(conditions={"a": {"and": ["nope", True]}}),
                            ["resources", "r", "condition"])
    assert err.value.message == 'resources.r.condition: Invalid condition "nope"'
    with pytest.raises(StackValidationFailed) as err:
        F.resolve_condition("a", hot(conditions={"a": {"get_param": "Env"}}))
    assert err.value.message == \
        'Condition validation error: The definition of condition "a" is invalid: prod'
