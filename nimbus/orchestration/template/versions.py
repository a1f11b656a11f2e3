"""The template versions a stack may be written in, and the functions each one offers.

HOT grew a version a release; each names the intrinsic functions it has and those it took away
(which a template of that version is refused for using). CloudFormation's two versions keep the
``Fn::`` family. These lists are what ``GET /template_versions/{v}/functions`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimbus.orchestration.template.errors import InvalidTemplateVersion

HOT = "heat_template_version"
AWS = "AWSTemplateFormatVersion"
HEAT_CFN = "HeatTemplateFormatVersion"


@dataclass(frozen=True)
class Version:
    key: str
    date: str
    kind: str  # "hot" or "cfn"
    functions: frozenset[str]
    # Names refused in this version because an earlier one had them.
    removed: frozenset[str]
    condition_functions: frozenset[str]
    # Has a ``conditions`` section and the per-resource/output ``condition`` key.
    conditions: bool
    aliases: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.key}.{self.date}"

    def at_least(self, date: str) -> bool:
        return self.kind == "hot" and self.date >= date


_OLD_CFN = frozenset({"Fn::GetAZs", "Fn::Join", "Fn::Split", "Fn::Replace", "Fn::Base64",
                      "Fn::MemberListToMap", "Fn::ResourceFacade", "Ref"})
_H2013 = frozenset({"Fn::GetAZs", "get_param", "get_resource", "Ref", "get_attr", "Fn::Select",
                    "Fn::Join", "list_join", "Fn::Split", "str_replace", "Fn::Replace",
                    "Fn::Base64", "Fn::MemberListToMap", "resource_facade",
                    "Fn::ResourceFacade", "get_file"})
_H2014 = frozenset({"get_attr", "get_file", "get_param", "get_resource", "list_join",
                    "resource_facade", "str_replace", "Fn::Select"})
_H2015A = _H2014 | {"repeat", "digest"}
_H2015B = (_H2015A - {"Fn::Select"}) | {"str_split"}
_H2016A = _H2015B | {"map_merge"}
_H2016B = _H2016A | {"yaql", "map_replace", "if"}
_H2017A = _H2016B | {"filter", "str_replace_strict"}
_H2017B = _H2017A | {"make_url", "list_concat", "str_replace_vstrict", "list_concat_unique",
                     "contains"}
_COND_2016 = frozenset({"get_param", "equals", "not", "and", "or"})
_COND_2017 = _COND_2016 | {"yaql", "contains"}


def _hot(date: str, functions: frozenset[str], removed: frozenset[str],
         conditions: frozenset[str] = frozenset(), *aliases: str) -> Version:
    return Version(HOT, date, "hot", functions, removed, conditions, bool(conditions), aliases)


VERSIONS: tuple[Version, ...] = (
    Version(AWS, "2010-09-09", "cfn",
            frozenset({"Fn::FindInMap", "Fn::GetAZs", "Ref", "Fn::GetAtt", "Fn::Select",
                       "Fn::Join", "Fn::Split", "Fn::Replace", "Fn::Base64",
                       "Fn::MemberListToMap", "Fn::ResourceFacade", "Fn::If"}),
            frozenset(),
            frozenset({"Fn::Equals", "Ref", "Fn::FindInMap", "Fn::Not", "Fn::And", "Fn::Or"}),
            True),
    Version(HEAT_CFN, "2012-12-12", "cfn",
            frozenset({"Fn::FindInMap", "Fn::GetAZs", "Ref", "Fn::GetAtt", "Fn::Select",
                       "Fn::Join", "Fn::Split", "Fn::Replace", "Fn::Base64",
                       "Fn::MemberListToMap", "Fn::ResourceFacade"}),
            frozenset(), frozenset(), False),
    _hot("2013-05-23", _H2013, frozenset()),
    _hot("2014-10-16", _H2014, _OLD_CFN),
    _hot("2015-04-30", _H2015A, _OLD_CFN),
    _hot("2015-10-15", _H2015B, _OLD_CFN | {"Fn::Select"}),
    _hot("2016-04-08", _H2016A, _OLD_CFN | {"Fn::Select"}),
    _hot("2016-10-14", _H2016B, _OLD_CFN | {"Fn::Select"}, _COND_2016, "newton"),
    _hot("2017-02-24", _H2017A, _OLD_CFN | {"Fn::Select"}, _COND_2016, "ocata"),
    _hot("2017-09-01", _H2017B, _OLD_CFN | {"Fn::Select"}, _COND_2017, "pike"),
    _hot("2018-03-02", _H2017B, _OLD_CFN | {"Fn::Select"}, _COND_2017, "queens"),
    _hot("2018-08-31", _H2017B, _OLD_CFN | {"Fn::Select"}, _COND_2017, "rocky"),
    _hot("2021-04-16", _H2017B, _OLD_CFN | {"Fn::Select"}, _COND_2017, "wallaby"),
)

NEWEST = VERSIONS[-1]
_BY_KEY: dict[tuple[str, str], Version] = {}
for _v in VERSIONS:
    _BY_KEY[(_v.key, _v.date)] = _v
    for _alias in _v.aliases:
        _BY_KEY[(_v.key, _alias)] = _v


def listed() -> list[dict[str, Any]]:
    """``GET /template_versions``: every version and alias, with its kind and aliases."""
    found = []
    for v in VERSIONS:
        found.append({"version": v.name, "type": v.kind, "aliases": list(v.aliases)})
        for alias in v.aliases:
            found.append({"version": f"{v.key}.{alias}", "type": v.kind,
                          "aliases": [v.date]})
    return found


def named(name: str) -> Version:
    """A version by its API name (``heat_template_version.2016-10-14``), else not found."""
    key, _, date = name.partition(".")
    found = _BY_KEY.get((key, date))
    if found is None:
        from nimbus.orchestration.template.errors import EntityNotFound

        raise EntityNotFound(entity="Template version", name=name)
    return found


def version_of(doc: dict[str, Any]) -> Version:
    """The version a parsed template declares, refused in Heat's words when missing, doubled
    or unknown."""
    keys = {HOT, AWS, HEAT_CFN}
    present = sorted(k for k, v in doc.items() if k in keys and isinstance(v, str | int) and
                     not isinstance(v, bool))
    if len(present) > 1:
        raise InvalidTemplateVersion(explanation=f"Ambiguous versions ({', '.join(present)})")
    if not present:
        raise InvalidTemplateVersion(explanation="Template version was not provided")
    key = present[0]
    value = str(doc[key])
    found = _BY_KEY.get((key, value))
    if found is None:
        available = sorted(f"{v.date}" for v in VERSIONS if v.key == key) + \
            sorted(a for v in VERSIONS if v.key == key for a in v.aliases)
        available = sorted(available)
        verb = "should be one of" if len(available) > 1 else "should be"
        raise InvalidTemplateVersion(
            explanation=f'"{key}: {value}". "{key}" {verb}: {", ".join(available)}')
    return found
