"""HOT's intrinsic functions evaluated, per template version, with Heat's results and Heat's
words when they fail."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from nimbus.orchestration.template import functions as F
from nimbus.orchestration.template.errors import (
    InvalidTemplateReference,
    InvalidTemplateVersion,
    StackValidationFailed,
    UserParameterMissing,
)
from tests.unit.orchestration.fakes import ctx

STACK = {
    "params": {"name": "web", "count": 3, "zones": ["az1", "az2"],
               "conf": {"db": {"port": 5432}, "tags": ["a", "b"]}},
    "resources": {"server": "srv-id", "port": "port-id", "pending": None},
    "attrs": {"server": {"first_address": "10.0.0.5", "networks": {"private": ["10.0.0.5"]}},
              "port": {"fixed_ips": [{"ip_address": "10.0.0.7"}]}},
    "files": {"script.sh": "#!/bin/sh\necho hi\n"},
    "facade": {"metadata": {"k": "v"}, "deletion_policy": "Retain", "update_policy": {}},
}


def run(snippet: Any, version: str = "hot:2021-04-16", **extra: Any) -> Any:
    return F.resolve(snippet, ctx(version, **{**STACK, **extra}))


def fails(snippet: Any, version: str = "hot:2021-04-16", **extra: Any) -> str:
    with pytest.raises(StackValidationFailed) as err:
        run(snippet, version, **extra)
    return err.value.message


def test_a_single_key_mapping_naming_a_function_is_a_call_anything_else_is_data() -> None:
    assert run({"get_param": "name"}) == "web"
    assert run({"get_param": "name", "other": 1}) == {"get_param": "name", "other": 1}
    assert run({"not_a_function": "x"}) == {"not_a_function": "x"}
    assert run([{"get_param": "name"}, {"x": {"get_resource": "server"}}]) == \
        ["web", {"x": "srv-id"}]
    # A name another version has is data in this one.
    assert run({"str_split": [",", "a,b"]}, "hot:2015-04-30") == {"str_split": [",", "a,b"]}


@pytest.mark.parametrize(("args", "expected"), [
    ("count", 3),
    (["zones", 1], "az2"),
    (["zones", "0"], "az1"),
    (["conf", "db", "port"], 5432),
    (["conf", "tags", 1], "b"),
    (["conf", "missing"], ""),
    (["zones", 7], ""),
    (["zones", "x"], ""),
    ("OS::stack_name", "teststack"),
    ("OS::project_id", "project-id"),
])
def test_get_param_follows_a_path_and_gives_an_empty_string_where_it_leads_nowhere(
        args: Any, expected: Any) -> None:
    assert run({"get_param": args}) == expected


def test_get_param_failures() -> None:
    with pytest.raises(UserParameterMissing) as err:
        run({"get_param": "nope"})
    assert err.value.message == "The Parameter (nope) was not provided."
    assert fails({"get_param": []}) == 'Function "get_param" must have arguments'
    assert fails({"get_param": {"a": 1}}) == 'Argument to "get_param" must be string or list'
    assert fails({"get_param": [1]}) == 'Parameter name in "get_param" must be string'


def test_resolve_errors_keep_heat_text_and_kind() -> None:
    with pytest.raises(StackValidationFailed) as err:
        run({"get_param": {"a": 1}})
    assert err.value.kwargs == {"error": "TypeError"}


def test_get_resource() -> None:
    assert run({"get_resource": "server"}) == "srv-id"
    assert run({"get_resource": "pending"}) is None
    with pytest.raises(InvalidTemplateReference) as err:
        run({"get_resource": "nope"})
    assert err.value.message == 'The specified reference "nope" (in unknown) is incorrect.'


@pytest.mark.parametrize("version", ["hot:2013-05-23", "hot:2014-10-16", "hot:2016-10-14"])
def test_get_attr_selects_a_path_into_the_attribute(version: str) -> None:
    assert run({"get_attr": ["server", "first_address"]}, version) == "10.0.0.5"
    assert run({"get_attr": ["server", "networks", "private", 0]}, version) == "10.0.0.5"
    assert run({"get_attr": ["port", "fixed_ips", 0, "ip_address"]}, version) == "10.0.0.7"
    assert run({"get_attr": ["port", "fixed_ips", 5]}, version) is None
    assert run({"get_attr": ["server", "nothing"]}, version) is None


def test_get_attr_of_a_resource_not_created_is_none_where_it_stands() -> None:
    assert run({"get_attr": ["pending", "x"]}) is None
    assert run({"list_join": ["-", ["a", {"get_attr": ["pending", "x"]}]]}) == "a-"
    assert run({"str_replace": {"template": "ip=$ip", "params": {"$ip": {
        "get_attr": ["pending", "x"]}}}}) == "ip="


def test_get_attr_with_only_a_resource_gives_every_attribute_from_2015_10_15() -> None:
    assert run({"get_attr": ["port"]}) == {"fixed_ips": [{"ip_address": "10.0.0.7"}]}
    assert run({"get_attr": ["pending"]}) is None
    assert "get_attr: Arguments to \"get_attr\" must be of the form [resource_name, " \
        "attribute, (path), ...]" in fails({"get_attr": ["port"]}, "hot:2015-04-30")
    assert fails({"get_attr": []}) == (
        'get_attr: Arguments to "get_attr" can be of the next forms: [resource_name] or '
        '[resource_name, attribute, (path), ...]')
    assert fails({"get_attr": "port"}) == 'get_attr: Argument to "get_attr" must be a list'


def test_get_file() -> None:
    assert run({"get_file": "script.sh"}) == "#!/bin/sh\necho hi\n"
    assert fails({"get_file": "other.sh"}) == \
        'No content found in the "files" section for get_file path: other.sh'
    assert fails({"get_file": ["x"]}) == 'Argument to "get_file" must be a string'


def test_list_join_before_2015_10_15_joins_one_list_of_strings() -> None:
    old = "hot:2015-04-30"
    assert run({"list_join": [", ", ["a", "b", None]]}, old) == "a, b, "
    assert fails({"list_join": [",", ["a", 1]]}, old) == "Items to join must be strings not 1"
    assert fails({"list_join": [",", ["a"], ["b"]]}, old) == (
        'list_join: Incorrect arguments to "list_join" should be: '
        '"list_join" : [ " ", [ "str1", "str2"]]')
    assert fails({"list_join": [",", "ab"]}, old) == '"list_join" must operate on a list'
    assert fails({"list_join": [1, ["a"]]}, old) == '"list_join" delimiter must be a string'


def test_list_join_from_2015_10_15_joins_lists_and_serialises_maps_and_lists() -> None:
    assert run({"list_join": [",", ["a", "b"], ["c"], None]}) == "a,b,c"
    assert run({"list_join": [" ", [{"b": 1, "a": [2]}, ["x"]]]}) == '{"a": [2], "b": 1} ["x"]'
    assert fails({"list_join": [",", [1]]}) == "Items to join must be string, map or list not 1"
    assert fails({"list_join": [","]}) == (
        'list_join: Incorrect arguments to "list_join" should be: '
        '"list_join" : [ " ", [ "str1", "str2"] ...]')


def test_str_replace_prefers_longer_keys_then_alphabetical() -> None:
    snippet = {"str_replace": {"template": "$var1 $var $var10",
                               "params": {"$var": "a", "$var1": "b", "$var10": "c"}}}
    assert run(snippet) == "b a c"
    assert run({"str_replace": {"template": "n=$n", "params": {"$n": 5}}}) == "n=5"
    assert run({"str_replace": {"template": "b=$b", "params": {"$b": True}}}) == "b=True"


def test_str_replace_params_by_version() -> None:
    snippet = {"str_replace": {"template": "v=$v", "params": {"$v": {"k": [1]}}}}
    assert run(snippet) == 'v={"k": [1]}'
    assert fails(snippet, "hot:2015-04-30") == \
        '"str_replace" params must be strings or numbers, param $v is not valid'


def test_str_replace_shapes() -> None:
    assert fails({"str_replace": {"template": "x"}}) == (
        "str_replace: '\"str_replace\" syntax should be str_replace:\\n"
        "              template: This is var1 template var2\\n"
        "              params:\\n                var1: a\\n                var2: string'")
    assert fails({"str_replace": ["x"]}) == 'str_replace: Arguments to "str_replace" must be a map'
    assert fails({"str_replace": {"template": "x", "params": []}}) == \
        'str_replace: "str_replace" parameters must be a mapping'
    assert fails({"str_replace": {"template": 1, "params": {}}}) == \
        '"str_replace" template must be a string'


def test_str_replace_strict_and_very_strict() -> None:
    assert run({"str_replace_strict": {"template": "a$x", "params": {"$x": "1"}}}) == "a1"
    assert fails({"str_replace_strict": {"template": "a", "params": {"$x": "1", "$yy": 2}}}) \
        == "The following params were not found in the template: $yy,$x"
    assert run({"str_replace_vstrict": {"template": "a$x", "params": {"$x": "1"}}}) == "a1"
    assert fails({"str_replace_vstrict": {"template": "a$x", "params": {"$x": ""}}}) == (
        "str_replace_vstrict has an undefined or empty value for param $x, must be a defined "
        "non-empty value")
    assert "str_replace_strict" not in F.function_table(ctx("hot:2016-10-14").version)


def test_str_split() -> None:
    assert run({"str_split": [",", "a,b,c"]}) == ["a", "b", "c"]
    assert run({"str_split": [",", "a,b,c", 2]}) == "c"
    assert run({"str_split": [",", {"get_attr": ["pending", "x"]}]}) is None
    assert fails({"str_split": [",", "a,b", 5]}) == \
        'Incorrect index to "str_split" should be between 0 and 1'
    assert fails({"str_split": [",", "a,b", "x"]}) == \
        'Incorrect index to "str_split" should be: "str_split" : [ ",", "apples,pears", <index>]'
    assert fails({"str_split": [","]}) == \
        'Incorrect arguments to "str_split" should be: "str_split" : [ ",", "apples,pears", <index>]'
    assert fails({"str_split": "a,b"}).startswith('str_split: Incorrect arguments')


def test_repeat_iterates_every_combination() -> None:
    snippet = {"repeat": {"template": {"port": "%p%", "proto": "%x%"},
                          "for_each": {"%p%": ["80", "443"], "%x%": ["tcp"]}}}
    assert run(snippet, "hot:2015-04-30") == [{"port": "80", "proto": "tcp"},
                                              {"port": "443", "proto": "tcp"}]
    assert run({"repeat": {"template": "<%z%>", "for_each": {"%z%": {"get_param": "zones"}}}}) \
        == ["<az1>", "<az2>"]
    assert run({"repeat": {"template": "x", "for_each": {"%z%": None}}}) == []


def test_repeat_over_maps_from_2016_10_14_and_without_permutations_from_2017_09_01() -> None:
    over_map = {"repeat": {"template": "k=%k%", "for_each": {"%k%": {"a": 1, "b": 2}}}}
    assert run(over_map, "hot:2016-10-14") == ["k=a", "k=b"]
    assert fails(over_map, "hot:2016-04-08") == \
        'The values of the "for_each" argument to "repeat" must be lists'
    paired: dict[str, Any] = {"repeat": {"template": "%a%-%b%", "permutations": False,
                                         "for_each": {"%a%": ["1", "2"], "%b%": ["x", "y"]}}}
    assert run(paired) == ["1-x", "2-y"]
    paired["repeat"]["for_each"]["%b%"] = ["x"]
    assert fails(paired) == \
        "For repeat, the length of for_each values should be equal if no nested loop."
    assert fails({"repeat": {"template": "x", "permutations": "no", "for_each": {}}}) == \
        'repeat: "permutations" should be boolean type for repeat function.'
    assert fails({"repeat": {"template": "x"}}) == (
        "repeat: '\"repeat\" syntax should be repeat:\\n              template: This is "
        "%var%\\n              for_each:\\n                %var%: [\\'a\\', \\'b\\', "
        "\\'c\\']'")


def test_digest() -> None:
    assert run({"digest": ["sha256", "abc"]}) == hashlib.sha256(b"abc").hexdigest()
    assert run({"digest": ["md5", {"get_param": "name"}]}) == hashlib.md5(b"web").hexdigest()
    assert fails({"digest": ["sha256"]}) == 'Function "digest" usage: ["<algorithm>", "<value>"]'
    assert fails({"digest": ["sha256", 1]}) == \
        'Argument to function "digest" must be a list of strings'
    assert fails({"digest": ["nope", "x"]}).startswith("Algorithm must be one of {")


def test_map_merge() -> None:
    assert run({"map_merge": [{"a": 1, "b": 1}, {"b": 2}, None]}) == {"a": 1, "b": 2}
    assert fails({"map_merge": [{"a": 1}, [1]]}) == (
        "Incorrect arguments: Items to merge must be maps. [1] is type <class 'list'> instead "
        "of a dict")


def test_map_replace() -> None:
    snippet = {"map_replace": [{"k1": "v1", "k2": "v2"},
                               {"keys": {"k1": "K1"}, "values": {"v2": "V2"}}]}
    assert run(snippet) == {"K1": "v1", "k2": "V2"}
    assert fails({"map_replace": [{"a": 1, "b": 2}, {"keys": {"a": "b"}}]}) == \
        "key replacement b collides with a key in the input map"
    example = ('"map_replace" : [ { "key1": "val1" }, {"keys": {"key1": "key2"}, "values": '
               '{"val1": "val2"}}]')
    assert fails({"map_replace": [{"a": 1}, {"nope": {}}]}) == \
        f'Incorrect arguments to "map_replace" should be: {example}'
    assert fails({"map_replace": [{"a": 1}]}) == \
        f'Incorrect arguments to "map_replace" should be: {example}'


def test_yaql() -> None:
    assert run({"yaql": {"expression": "$.data.v.sum()", "data": {"v": [3, 2, 1]}}}) == 6
    assert run({"yaql": {"expression": "$.data.where($ > 1)", "data": [1, 2, 3]}}) == [2, 3]
    assert "Bad expression" in fails({"yaql": {"expression": "$.data.sum(", "data": {}}})
    assert fails({"yaql": {"expression": 1}}) == \
        'The "expression" argument to yaql must contain a string.'
    assert fails({"yaql": {"expression": "1", "extra": 1}}).startswith(
        "yaql: '\"yaql\" syntax should be yaql:\\n              expression: $.data.var1.sum()")


def test_filter_list_concat_and_contains() -> None:
    assert run({"filter": [[None, "b"], ["a", None, "b", "c"]]}) == ["a", "c"]
    assert run({"filter": [[1], []]}) == []
    assert fails({"filter": [[1]]}) == ('filter: "filter" expected 2 arguments of the form '
                                        "[values, sequence] but got 1 arguments instead")
    assert run({"list_concat": [["a"], None, ["b", "a"]]}) == ["a", "b", "a"]
    assert run({"list_concat_unique": [["a"], ["b", "a"], [{"k": 1}, {"k": 1}]]}) == \
        ["a", "b", {"k": 1}]
    assert fails({"list_concat": [["a"], "b"]}) == (
        'Incorrect arguments: Items to concat must be lists. [["a"], "b"] contains an item '
        'that is not a list: "b"')
    assert run({"contains": ["az1", {"get_param": "zones"}]}) is True
    assert run({"contains": ["x", ["a"]]}) is False
    assert fails({"contains": ["x", 5]}) == 'Second argument to "contains" should be a sequence.'
    assert fails({"contains": "x"}) == ('contains: Incorrect arguments to "contains" should be: '
                                        '"contains" : [ "value1", [ "value1", "value2"]]')


@pytest.mark.parametrize(("args", "url"), [
    ({"scheme": "https", "host": "example.com", "port": 8443, "path": "/a b/c",
      "query": {"x": "1/2", "y": "a b"}, "fragment": "top"},
     "https://example.com:8443/a%20b/c?x=1/2&y=a+b#top"),
    ({"scheme": "http", "host": "::1", "username": "u@x", "password": "p:w"},
     "http://u%40x:p%3Aw@[::1]"),
    ({"scheme": "http", "host": "[fe80::1]", "port": "80"}, "http://[fe80::1]:80"),
])
def test_make_url(args: dict[str, Any], url: str) -> None:
    assert run({"make_url": args}) == url


def test_resource_facade() -> None:
    assert run({"resource_facade": "metadata"}) == {"k": "v"}
    assert run({"resource_facade": "deletion_policy"}) == "Retain"
    assert fails({"resource_facade": "nope"}) == (
        'resource_facade: Incorrect arguments to "resource_facade" should be one of: '
        "metadata, deletion_policy, update_policy")


def test_a_removed_function_is_refused_when_evaluated() -> None:
    with pytest.raises(InvalidTemplateVersion) as err:
        run({"Fn::Join": [",", ["a"]]})
    assert err.value.message == ("The template version is invalid: The function Fn::Join is "
                                 "not supported in this version of HOT.")
    assert run({"Fn::Select": [1, ["a", "b"]]}, "hot:2015-04-30") == "b"
    with pytest.raises(InvalidTemplateVersion):
        run({"Fn::Select": [1, ["a", "b"]]}, "hot:2015-10-15")


def test_the_first_hot_version_offers_cloudformation_functions_too() -> None:
    old = "hot:2013-05-23"
    assert run({"Fn::Join": ["-", ["a", "b"]]}, old) == "a-b"
    assert run({"Ref": "server"}, old) == "srv-id"
    assert run({"Ref": "name"}, old) == "web"
    assert run({"Fn::GetAZs": ""}, old) == ["nova", "zone2"]
    assert run({"Fn::ResourceFacade": "Metadata"}, old) == {"k": "v"}
