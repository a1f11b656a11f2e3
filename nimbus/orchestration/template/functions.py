"""Intrinsic functions, by template version: checking a snippet, finding the resources it
references, and evaluating it against a stack.

A mapping with exactly one key naming a function of the template's version is a call
(``{get_param: x}``, ``{"Fn::Join": [...]}``); any other mapping is data. A name an earlier
version had and this one dropped is refused as Heat refuses it. Each version maps a name to
the behaviour Heat gave it then: ``list_join`` takes several lists from 2015-10-15, ``repeat``
iterates maps from 2016-10-14, ``if`` may omit its false value from 2021-04-16, and so on.

Errors are Heat's, word for word: see ``functions_base`` for the stages they come from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from types import MappingProxyType
from typing import Any

from nimbus.core.errors import NimbusError
from nimbus.orchestration.template.errors import (
    InvalidTemplateReference,
    StackValidationFailed,
    UserParameterMissing,
)
from nimbus.orchestration.template.functions_base import (
    ABSENT,
    IN_PROGRESS,
    Context,
    Fn,
    Scope,
    Table,
    condition_enabled,
    failed,
    iter_calls,
    parse,
    resolve_tree,
    validate_tree,
    walk_dependencies,
)
from nimbus.orchestration.template.functions_cfn import (
    Base64,
    CfnGetAtt,
    CfnReplace,
    CfnResourceFacade,
    FindInMap,
    GetAZs,
    MemberListToMap,
    ParamRef,
    Ref,
    Select,
    Split,
)
from nimbus.orchestration.template.functions_cond import (
    And,
    CfnNot,
    Equals,
    If,
    IfNullable,
    Invalid,
    Not,
    Or,
)
from nimbus.orchestration.template.functions_data import (
    Contains,
    Filter,
    ListConcat,
    ListConcatUnique,
    MakeURL,
    MapMerge,
    MapReplace,
    Repeat,
    RepeatWithMap,
    RepeatWithPermutations,
    Yaql,
)
from nimbus.orchestration.template.functions_hot import (
    Digest,
    GetAtt,
    GetAttAll,
    GetFile,
    GetParam,
    GetResource,
    Join,
    JoinMultiple,
    Removed,
    Replace,
    ReplaceJson,
    ReplaceStrict,
    ReplaceVeryStrict,
    ResourceFacade,
    StrSplit,
)
from nimbus.orchestration.template.versions import Version

__all__ = ["ABSENT", "Conditions", "Context", "check", "condition_table", "dependencies",
           "function_descriptions", "function_table", "is_function", "pseudo_parameters",
           "resolve", "resolve_condition"]

# The pseudo parameters each kind of template has (Heat lists OS::region too, but never
# defines it, so a template naming it is refused).
_PSEUDO = {"hot": frozenset({"OS::stack_id", "OS::stack_name", "OS::project_id"}),
           "cfn": frozenset({"AWS::StackId", "AWS::StackName", "AWS::Region"})}

# Functions whose behaviour is the same in every version that has them.
_BY_NAME: dict[str, type[Fn]] = {
    "get_param": GetParam, "get_resource": GetResource, "get_file": GetFile,
    "resource_facade": ResourceFacade, "digest": Digest, "str_split": StrSplit,
    "map_merge": MapMerge, "map_replace": MapReplace, "yaql": Yaql, "filter": Filter,
    "str_replace_strict": ReplaceStrict, "str_replace_vstrict": ReplaceVeryStrict,
    "make_url": MakeURL, "list_concat": ListConcat, "list_concat_unique": ListConcatUnique,
    "contains": Contains, "equals": Equals, "not": Not, "and": And, "or": Or,
    "Fn::FindInMap": FindInMap, "Fn::GetAZs": GetAZs, "Ref": Ref, "Fn::GetAtt": CfnGetAtt,
    "Fn::Select": Select, "Fn::Join": Join, "Fn::Split": Split, "Fn::Replace": CfnReplace,
    "Fn::Base64": Base64, "Fn::MemberListToMap": MemberListToMap,
    "Fn::ResourceFacade": CfnResourceFacade, "Fn::If": If, "Fn::Equals": Equals,
    "Fn::Not": CfnNot, "Fn::And": And, "Fn::Or": Or,
}
# What a condition may use, where its name is also a function with another meaning.
_CONDITION_CLASSES: dict[str, type[Fn]] = {**_BY_NAME, "Ref": ParamRef}

# The order Heat lists each kind's functions in (``GET /template_versions/{v}/functions``).
_HOT_2013_ORDER = ("Fn::GetAZs", "get_param", "get_resource", "Ref", "get_attr", "Fn::Select",
                   "Fn::Join", "list_join", "Fn::Split", "str_replace", "Fn::Replace",
                   "Fn::Base64", "Fn::MemberListToMap", "resource_facade",
                   "Fn::ResourceFacade", "get_file")
_HOT_ORDER = ("get_attr", "get_file", "get_param", "get_resource", "list_join", "repeat",
              "resource_facade", "str_replace", "Fn::Select", "digest", "str_split",
              "map_merge", "yaql", "map_replace", "if", "filter", "str_replace_strict",
              "make_url", "list_concat", "str_replace_vstrict", "list_concat_unique",
              "contains")
_CFN_ORDER = ("Fn::FindInMap", "Fn::GetAZs", "Ref", "Fn::GetAtt", "Fn::Select", "Fn::Join",
              "Fn::Split", "Fn::Replace", "Fn::Base64", "Fn::MemberListToMap",
              "Fn::ResourceFacade", "Fn::If")
_HOT_CONDITION_ORDER = ("get_param", "equals", "not", "and", "or", "yaql", "contains")
_CFN_CONDITION_ORDER = ("Fn::Equals", "Ref", "Fn::FindInMap", "Fn::Not", "Fn::And", "Fn::Or")


def _hot_class(name: str, date: str) -> type[Fn]:
    """The behaviour a HOT version gives a name whose behaviour changed over the versions."""
    if name == "get_attr":
        return GetAtt if date < "2015-10-15" else GetAttAll
    if name == "list_join":
        return Join if date < "2015-10-15" else JoinMultiple
    if name == "str_replace":
        return Replace if date < "2015-10-15" else ReplaceJson
    if name == "repeat":
        if date < "2016-10-14":
            return Repeat
        return RepeatWithMap if date < "2017-09-01" else RepeatWithPermutations
    if name == "if":
        return If if date < "2021-04-16" else IfNullable
    return _BY_NAME[name]


@functools.cache
def function_table(version: Version) -> Table:
    """Every name a snippet of ``version`` treats as a call, and what it does."""
    table: dict[str, type[Fn]] = {}
    for name in version.functions:
        table[name] = _hot_class(name, version.date) if version.kind == "hot" else _BY_NAME[name]
    table.update((name, Removed) for name in version.removed)
    return MappingProxyType(table)


@functools.cache
def condition_table(version: Version) -> Table:
    """The calls a condition may make; any other function is refused there, except that a
    removed one is still refused as removed (from the first HOT version with conditions)."""
    table: dict[str, type[Fn]] = {name: Invalid for name in version.functions}
    if version.kind == "hot" and version.conditions:
        table.update((name, Removed) for name in version.removed)
    else:
        table.update((name, Invalid) for name in version.removed)
    table.update((name, _CONDITION_CLASSES[name]) for name in version.condition_functions)
    return MappingProxyType(table)


def pseudo_parameters(version: Version) -> frozenset[str]:
    return _PSEUDO[version.kind]


def is_function(value: Any, version: Version) -> bool:
    """Whether ``value`` is a call (or a removed function) in templates of ``version``."""
    return (isinstance(value, dict) and len(value) == 1
            and next(iter(value)) in function_table(version))


def _scope(version: Version, ctx: Context | None = None,
           resources: Collection[str] | None = None, conditions: Collection[str] | None = None,
           attributes: Callable[[str], Collection[str] | None] | None = None) -> Scope:
    return Scope(version, function_table(version), condition_table(version), ctx,
                 None if resources is None else frozenset(resources),
                 None if conditions is None else frozenset(conditions), attributes)


def _evaluating(work: Callable[[], Any],
                keep: tuple[type[Exception], ...] = ()) -> Any:
    """Run an evaluation; a plain Python error from a function (Heat's functions fail with
    ValueError, TypeError, KeyError...) becomes StackValidationFailed with Heat's text as its
    whole message, and the error's kind as ``kwargs['error']``, for the caller to place.
    Errors of the ``keep`` kinds go through unchanged, for a caller that places them."""
    passing: tuple[type[Exception], ...] = (NimbusError, AssertionError, *keep)
    try:
        return work()
    except passing:
        raise
    except Exception as exc:
        raise StackValidationFailed(message=str(exc), error=type(exc).__name__) from exc


def resolve(snippet: Any, ctx: Context, path: list[str] | None = None) -> Any:
    """The value of ``snippet`` in the stack ``ctx`` stands for.

    ``path`` (``["resources", "r", "properties"]``) is where the snippet sits, for the
    messages of calls refused for their arguments' shape. A value not available yet (an
    attribute of a resource not created) is None where it stands, as in Heat.
    """
    scope = _scope(ctx.version, ctx)
    where = ".".join(path or [])
    return _evaluating(lambda: resolve_tree(parse(snippet, scope, where)))


def resolve_condition(snippet: Any, ctx: Context, path: list[str] | None = None) -> bool:
    """Whether a condition holds: ``true``/``false``, the name of a condition of the template,
    or a condition expression (``{equals: [...]}``, ``{"Fn::Equals": [...]}``...). A name the
    template does not define is refused as Heat refuses it, at ``path``."""
    scope = _scope(ctx.version, ctx)
    where = ".".join(path or [])

    def work() -> bool:
        tree = parse(snippet, scope, where, scope.condition_table)
        try:
            return condition_enabled(resolve_tree(tree), ctx)
        except ValueError as exc:
            raise failed(list(path or []), str(exc)) from None

    result: bool = _evaluating(work)
    return result


def dependencies(snippet: Any, version: Version, resource_names: Collection[str],
                 ctx: Context | None = None) -> set[str]:
    """The resources (of ``resource_names``) the snippet references, for ordering them.

    A CloudFormation ``Ref`` is a reference only when it names a resource. Given ``ctx``, an
    ``if`` counts only the value its condition chooses, and names computed by functions are
    evaluated; without it, both values count and only literal names do.
    """
    scope = _scope(version, ctx, resource_names)

    def work() -> set[str]:
        tree = parse(snippet, scope, "")
        return {name for name, _ in walk_dependencies(tree, "")
                if isinstance(name, str) and name in scope.resources}  # type: ignore[operator]

    found: set[str] = _evaluating(work)
    return found


def _reference_path(path: list[str]) -> str | None:
    """Where Heat reports an unknown reference from a resource's properties or metadata:
    ``r.Properties.foo`` (whatever the template's own spelling of the section)."""
    if len(path) >= 3 and path[0] in ("resources", "Resources") and \
            str(path[2]).lower() in ("properties", "metadata"):
        return ".".join([str(path[1]), str(path[2]).capitalize(), *map(str, path[3:])])
    return None


def check(snippet: Any, version: Version, params: Collection[str], resources: Collection[str],
          path: list[str], *, conditions: Collection[str] | None = None,
          ctx: Context | None = None,
          attributes: Callable[[str], Collection[str] | None] | None = None,
          strict: bool = True, as_condition: bool = False) -> None:
    """Check a snippet without evaluating it, failing as Heat fails a template.

    Call it once per section, with ``path`` naming the section: ``["resources", "r",
    "properties"]``, ``["resources", "r", "metadata"]``, ``["outputs", "o", "value"]``... In
    that order Heat finds: calls whose arguments have the wrong shape (StackValidationFailed at
    the call's path); references from properties or metadata to resources not in
    ``resources`` (InvalidTemplateReference ``in r.Properties.foo``); removed functions, a
    ``get_attr`` of an unknown resource or attribute elsewhere (StackValidationFailed); then,
    when ``strict`` (Heat's strict validation, as at stack create, not at ``POST /validate``),
    ``get_param`` of an undefined parameter (UserParameterMissing) and a ``Ref`` to neither a
    parameter nor a resource (InvalidTemplateReference ``in unknown``).

    ``conditions`` are the condition names (checked where ``if`` names one); ``ctx``, when
    given, settles ``if`` conditions and computed names as at evaluation; ``attributes`` maps
    a resource name to its attribute names (None: any) for ``get_attr``; ``as_condition``
    checks a condition (a resource's or output's ``condition``) rather than a value.
    """
    scope = _scope(version, ctx, resources, conditions, attributes)
    table = scope.condition_table if as_condition else scope.table
    tree = _evaluating(lambda: parse(snippet, scope, ".".join(path), table))
    if as_condition and isinstance(tree, str) and conditions is not None \
            and tree not in conditions:
        raise failed(list(path), f'Invalid condition "{tree}"')
    where = _reference_path(list(path))
    if where is not None:
        for name, key in walk_dependencies(tree, where):
            if not isinstance(name, str) or name not in resources:
                raise InvalidTemplateReference(resource=name, key=key)
    validate_tree(tree, list(path))
    if strict:
        _check_names(tree, set(params) | _PSEUDO[version.kind])


def _check_names(tree: Any, params: set[str]) -> None:
    for call in iter_calls(tree):
        if isinstance(call, GetParam):
            name = call.static_name()
            if name is not None and name not in params:
                raise UserParameterMissing(key=name)
        elif isinstance(call, ParamRef):
            name = call.static_name()
            if name is not None and name not in params:
                raise InvalidTemplateReference(resource=name, key="unknown")


def function_descriptions(version: Version, with_condition_func: bool = False, *,
                          with_condition: bool | None = None) -> list[dict[str, str]]:
    """``GET /template_versions/{v}/functions``: the version's functions (not the removed
    ones), in Heat's order, then with ``with_condition_func`` (or its alias
    ``with_condition``) the condition functions."""
    if with_condition is not None:
        with_condition_func = with_condition
    order: tuple[str, ...]
    condition_order: tuple[str, ...]
    if version.kind == "cfn":
        order, condition_order = _CFN_ORDER, _CFN_CONDITION_ORDER
    else:
        order = _HOT_2013_ORDER if version.date < "2014-10-16" else _HOT_ORDER
        condition_order = _HOT_CONDITION_ORDER
    table = function_table(version)
    listed = {name: table[name].description for name in order
              if name in table and table[name] is not Removed}
    if with_condition_func:
        for name in condition_order:
            if name in version.condition_functions:
                listed[name] = _CONDITION_CLASSES[name].description
    return [{"functions": name, "description": text} for name, text in listed.items()]


class Conditions:
    """A template's named conditions (HOT ``conditions``, CloudFormation ``Conditions``).

    ``is_enabled`` evaluates a condition once per instance (so make one per evaluation of a
    stack), refusing a condition defined in terms of itself; a context's ``condition`` method
    can simply call it.
    """

    def __init__(self, definitions: Any, version: Version) -> None:
        if definitions is None:
            definitions = {}
        if not isinstance(definitions, Mapping):
            raise failed([], "Condition definitions must be a map. Found a "
                         f"{type(definitions).__name__} instead", "Conditions validation error")
        self.version = version
        self.section = "conditions" if version.kind == "hot" else "Conditions"
        self._definitions: dict[str, Any] = dict(definitions)
        self._values: dict[str, Any] = {}

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._definitions)

    def _parse(self, name: str, scope: Scope) -> Any:
        return parse(self._definitions[name], scope, f"{self.section}.{name}",
                     scope.condition_table)

    def _invalid(self, name: str, definition: Any) -> StackValidationFailed:
        return failed([], f'The definition of condition "{name}" is invalid: {definition}',
                      "Condition validation error")

    def check(self, params: Collection[str], strict: bool = True) -> None:
        """Heat's checks of the section: every definition parses, then each is a boolean or
        a call and validates; with ``strict``, every parameter named exists."""
        scope = _scope(self.version, resources=(), conditions=self.names)
        trees = _evaluating(lambda: {name: self._parse(name, scope)
                                     for name in self._definitions})
        for name, tree in trees.items():
            if not isinstance(tree, bool | Fn):
                raise self._invalid(name, tree)
            validate_tree(tree, [])
        if strict:
            for tree in trees.values():
                _check_names(tree, set(params) | _PSEUDO[self.version.kind])

    def is_enabled(self, name: Any, ctx: Context) -> bool:
        """Whether the named condition holds (None and booleans stand for themselves);
        ValueError ``Invalid condition "x"`` for a name the template does not define."""
        if name is None:
            return True
        if isinstance(name, bool):
            return name
        if not isinstance(name, str) or name not in self._definitions:
            raise ValueError(f'Invalid condition "{name}"')
        if name not in self._values:
            self._values[name] = IN_PROGRESS
            try:
                self._values[name] = self._evaluate(name, ctx)
            except BaseException:
                del self._values[name]
                raise
        value = self._values[name]
        if value is IN_PROGRESS:
            raise failed([], f'Circular definition for condition "{name}"',
                         "Condition validation error")
        result: bool = value
        return result

    def _evaluate(self, name: str, ctx: Context) -> bool:
        scope = _scope(self.version, ctx)
        # An unknown condition named inside this one stays a ValueError, which whoever asked
        # for a condition reports at its own path, as Heat does.
        value = _evaluating(lambda: resolve_tree(self._parse(name, scope)), (ValueError,))
        if not isinstance(value, bool):
            raise self._invalid(name, value)
        return value

    def evaluate_all(self, ctx: Context) -> dict[str, bool]:
        return {name: self.is_enabled(name, ctx) for name in self._definitions}
