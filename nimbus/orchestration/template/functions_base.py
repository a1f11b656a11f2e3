"""The machinery under the intrinsic functions: parsing a snippet into calls, validating,
walking dependencies and resolving, each stage failing the way Heat's does.

Heat handles a snippet in stages, and its error messages depend on the stage that fails:

* *parse* turns every single-key mapping naming a function of the version into a call, the
  arguments first; a call whose arguments have the wrong shape is refused there with the dotted
  path of the call (``resources.r.properties.foo.str_replace: ...``);
* *dependencies* names the resources referenced, with a path of the form ``r.Properties.foo``
  that an unknown name is reported in;
* *validate* checks what can be checked without evaluating (removed functions, a ``get_attr``
  of an unknown resource), reported with a path whose list items read ``foo[0]``;
* *resolve* evaluates, and its failures are plain Python errors whose text is Heat's.

Keeping the stages apart, as Heat does, is what lets every message read as Heat's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol

from nimbus.orchestration.template.errors import InvalidTemplateReference, StackValidationFailed
from nimbus.orchestration.template.versions import Version


class Context(Protocol):
    """What evaluating a snippet needs from the stack it belongs to.

    A name the stack does not have is answered with ``KeyError``; the function that asked turns
    it into Heat's error for that function (``The Parameter (x) was not provided.``, ``The
    specified reference "x" (in unknown) is incorrect.``...).
    """

    version: Version

    def get_param(self, name: str) -> Any:
        """A parameter's typed value; ``KeyError`` if the template has no such parameter."""

    def pseudo_param(self, name: str) -> Any:
        """``OS::stack_name``, ``AWS::StackId``...; ``KeyError`` if unknown."""

    def get_resource(self, name: str) -> Any:
        """The resource's reference (its physical id), None while it has none. A name the
        stack lacks may be answered with ``KeyError`` (then reported as Heat reports an
        unknown reference) or None; a CloudFormation ``Ref`` asks for a parameter first."""

    def get_attr(self, resource: str, attribute: str) -> Any:
        """An attribute's value, None while it is not available."""

    def all_attributes(self, resource: str) -> dict[str, Any] | None:
        """Every attribute of the resource (``get_attr: [res]``), None while not available."""

    def get_file(self, name: str) -> str:
        """The content of the stack's ``files`` entry; ``KeyError`` if absent."""

    def condition(self, name: str) -> bool:
        """A named condition's value (see ``functions.Conditions``); ``KeyError`` if unknown."""

    def resource_facade(self, kind: str) -> Any:
        """The parent resource's ``metadata``, ``deletion_policy`` or ``update_policy``."""

    def availability_zones(self) -> list[str]:
        """The zones ``Fn::GetAZs`` answers with."""

    def mapping(self, name: str) -> Mapping[str, Any]:
        """A CloudFormation ``Mappings`` entry; ``KeyError`` if absent."""


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


# What an ``if`` without a false branch gives: the item holding it is left out, as if the
# template had not mentioned it.
ABSENT: Any = _Marker("ABSENT")
# A value that cannot be known without evaluating, when there is nothing to evaluate with.
UNKNOWN: Any = _Marker("UNKNOWN")
# A named condition being evaluated, to catch one defined in terms of itself.
IN_PROGRESS: Any = _Marker("IN_PROGRESS")

Table = Mapping[str, "type[Fn]"]


@dataclass(frozen=True)
class Scope:
    """What the calls of one snippet are parsed against: the version's tables, and either a
    context to evaluate with or (for a static check) what is known of the template."""

    version: Version
    table: Table
    condition_table: Table
    ctx: Context | None = None
    resources: frozenset[str] | None = None
    conditions: frozenset[str] | None = None
    attributes: Callable[[str], Collection[str] | None] | None = None

    def need_ctx(self) -> Context:
        if self.ctx is None:
            raise AssertionError("a snippet that is only checked cannot be evaluated")
        return self.ctx

    def with_ctx(self, ctx: Context) -> Scope:
        return replace(self, ctx=ctx)


class Fn:
    """One call of an intrinsic function, with its arguments already parsed.

    Subclasses check the shape of their arguments in ``setup`` (raising ValueError, TypeError or
    KeyError with Heat's text), may add checks to ``validate``, and compute in ``result``.
    """

    description: ClassVar[str] = ""
    # A macro receives its arguments unparsed and parses what it keeps (``if``).
    macro: ClassVar[bool] = False

    def __init__(self, scope: Scope, name: str, args: Any, path: str = "",
                 table: Table | None = None) -> None:
        self.scope = scope
        self.name = name
        self.args = args
        self.path = path
        self.table = scope.table if table is None else table
        self.setup()

    def setup(self) -> None:
        """Refuse arguments of the wrong shape; the default takes anything."""

    def validate(self) -> None:
        validate_tree(self.args, [])

    def result(self) -> Any:
        raise NotImplementedError

    def parts(self) -> list[Any]:
        """The parsed sub-snippets this call holds, for walks over the whole tree."""
        return [self.args]

    def dependencies(self, path: str) -> Iterator[tuple[Any, str]]:
        """``(resource name, where)`` for each resource this call references."""
        for part in self.parts():
            yield from walk_dependencies(part, f"{path}.{self.name}")

    @property
    def ctx(self) -> Context:
        return self.scope.need_ctx()

    def known(self, node: Any) -> Any:
        """``node`` resolved, or UNKNOWN when it holds calls and there is no context."""
        if self.scope.ctx is None and holds_calls(node):
            return UNKNOWN
        return resolve_tree(node)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {{{self.name}: {self.args!r}}}>"


def join_path(path: str, item: str) -> str:
    # Heat joins with '.' even onto an empty path; a leading dot helps nobody.
    return f"{path}.{item}" if path else item


def format_path(items: list[Any] | tuple[Any, ...]) -> str:
    """A path list as Heat prints one: dotted, with an all-digit item as ``[n]``."""
    out = ""
    for item in items:
        text = str(item)
        if isinstance(item, int) or text.isdigit():
            out += f"[{text}]"
        elif out:
            out += f".{text}"
        else:
            out = text
    return out


def failed(path: list[Any], message: str, error: str = "") -> StackValidationFailed:
    """Heat's ``StackValidationFailed(error, path, message)``, rendered the way it renders."""
    where = format_path(path)
    text = (f"{error}: " if error else "") + (f"{where}: " if where else "") + message
    return StackValidationFailed(message=text)


def parse(snippet: Any, scope: Scope, path: str, table: Table | None = None) -> Any:
    """``snippet`` with every call made an ``Fn``; a call refused for its arguments' shape
    raises StackValidationFailed naming the call's path."""
    table = scope.table if table is None else table
    if isinstance(snippet, dict):
        if len(snippet) == 1:
            name, args = next(iter(snippet.items()))
            cls = table.get(name) if isinstance(name, str) else None
            if cls is not None:
                where = join_path(path, name)
                try:
                    if cls.macro:
                        return cls(scope, name, args, where, table)
                    return cls(scope, name, parse(args, scope, where, table), where, table)
                except (ValueError, TypeError, KeyError) as exc:
                    raise failed([where], str(exc)) from None
        return {k: parse(v, scope, join_path(path, str(k)), table) for k, v in snippet.items()}
    if isinstance(snippet, list):
        return [parse(v, scope, f"{path}[{i}]", table) for i, v in enumerate(snippet)]
    return snippet


def validate_tree(node: Any, path: list[Any]) -> None:
    """Run each call's ``validate``; a failure names the call, list items as ``key[i]``."""
    if isinstance(node, Fn):
        try:
            node.validate()
        except AssertionError:
            raise
        except Exception as exc:
            raise failed([*path, node.name], str(exc)) from None
    elif isinstance(node, dict):
        for key, value in node.items():
            validate_tree(value, [*path, key])
    elif isinstance(node, list):
        base = list(path[:-1])
        parent = str(path[-1]) if path else ""
        for i, value in enumerate(node):
            validate_tree(value, [*base, f"{parent}[{i}]"])


def walk_dependencies(node: Any, path: str) -> Iterator[tuple[Any, str]]:
    if isinstance(node, Fn):
        yield from node.dependencies(path)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from walk_dependencies(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_dependencies(value, f"{path}[{i}]")


def iter_calls(node: Any) -> Iterator[Fn]:
    """Every call in a parsed snippet, outer before inner, in document order."""
    if isinstance(node, Fn):
        yield node
        for part in node.parts():
            yield from iter_calls(part)
    elif isinstance(node, dict):
        for value in node.values():
            yield from iter_calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_calls(value)


def holds_calls(node: Any) -> bool:
    return next(iter_calls(node), None) is not None


def resolve_tree(node: Any, nullable: bool = False) -> Any:
    """The value of a parsed snippet; an ABSENT item is left out of its mapping or list, and
    an ABSENT whole is None unless the caller can leave it out (``nullable``)."""
    if isinstance(node, Fn):
        value = node.result()
        return None if value is ABSENT and not nullable else value
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            got = resolve_tree(value, True)
            if got is not ABSENT:
                out[key] = got
        return out
    if isinstance(node, list):
        return [got for got in (resolve_tree(v, True) for v in node) if got is not ABSENT]
    return node


def condition_enabled(value: Any, ctx: Context) -> bool:
    """A resolved condition reference as Heat reads one: None is true, a boolean is itself and
    a string names a condition of the template."""
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return bool(ctx.condition(value))
        except KeyError:
            pass
    raise ValueError(f'Invalid condition "{value}"')


def lookup_param(scope: Scope, name: str) -> Any:
    """A parameter or pseudo parameter; ``KeyError`` when the stack has neither, which each
    caller words its own way."""
    ctx = scope.need_ctx()
    if "::" in name:
        try:
            return ctx.pseudo_param(name)
        except KeyError:
            pass
    return ctx.get_param(name)


def lookup_resource(scope: Scope, name: Any) -> Any:
    try:
        return scope.need_ctx().get_resource(name)
    except (KeyError, TypeError):
        raise InvalidTemplateReference(resource=name, key="unknown") from None


def check_resource_known(scope: Scope, name: Any) -> None:
    """Heat's validate-time look-up of a referenced resource (reported ``in unknown``)."""
    if scope.resources is not None and (not _hashable(name) or name not in scope.resources):
        raise InvalidTemplateReference(resource=name, key="unknown")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True

