"""HOT's functions over lists and maps: repeat, map_merge, map_replace, filter, list_concat,
contains, make_url and yaql, with Heat's argument forms and wording."""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib import parse as urlparse

from nimbus.orchestration.template.functions_base import Fn, resolve_tree

# Heat's defaults for ``[yaql] limit_iterators`` and ``memory_quota``: an expression may not
# walk more items, nor hold more bytes, than this.
YAQL_LIMIT_ITERATORS = 200
YAQL_MEMORY_QUOTA = 10000


def _incorrect(name: str, example: str) -> str:
    return f'Incorrect arguments to "{name}" should be: {example}'


class MapMerge(Fn):
    description = "Merge maps, later keys overriding earlier ones."

    def result(self) -> Any:
        args = resolve_tree(self.args)
        if not isinstance(args, Sequence):
            raise TypeError(_incorrect(
                self.name, f'"{self.name}" : [ {{ "key1": "val1" }}, {{ "key2": "val2" }} ]'))
        merged: dict[Any, Any] = {}
        for item in args:
            if item is None:
                continue
            if not isinstance(item, Mapping):
                raise TypeError(f"Incorrect arguments: Items to merge must be maps. "
                                f"{repr(item)[:200]} is type {type(item)} instead of a dict")
            merged.update(item)
        return merged


class MapReplace(Fn):
    description = "Rename the keys and replace the values of a map."

    def result(self) -> Any:
        example = (f'"{self.name}" : [ {{ "key1": "val1" }}, '
                   '{"keys": {"key1": "key2"}, "values": {"val1": "val2"}}]')

        def as_map(item: Any) -> Mapping[Any, Any]:
            if item is None:
                return {}
            if isinstance(item, Mapping):
                return item
            raise TypeError(f'Incorrect arguments: to "{self.name}", arguments must be a list '
                            f"of maps. Example:  {example}")

        args = resolve_tree(self.args)
        try:
            source = as_map(args.pop(0))
            replacements = as_map(args.pop(0))
            if args != []:
                raise IndexError
        except (IndexError, AttributeError):
            raise TypeError(_incorrect(self.name, example)) from None
        if any(k not in ("keys", "values") for k in replacements):
            raise ValueError(_incorrect(self.name, example))
        new_keys = as_map(replacements.get("keys", {}))
        new_values = as_map(replacements.get("values", {}))
        out: dict[Any, Any] = {}
        for key, value in source.items():
            renamed = new_keys.get(key)
            if renamed is None:
                renamed = key
            elif renamed in source and renamed != key:
                raise ValueError(f"key replacement {renamed} collides with a key in the input map")
            elif renamed in out:
                raise ValueError(f"key replacement {renamed} collides with a key in the output map")
            try:
                out[renamed] = new_values.get(value, value)
            except TypeError:  # an unhashable value is never replaced
                out[renamed] = value
        return out


class Repeat(Fn):
    """``repeat`` as 2015-04-30 has it: lists only, every combination."""

    description = "Repeat a template for each item (or combination of items) of lists."
    takes_maps: ClassVar[bool] = False
    has_permutations: ClassVar[bool] = False

    def setup(self) -> None:
        if not isinstance(self.args, Mapping):
            raise TypeError(f'Arguments to "{self.name}" must be a map')
        try:
            self.for_each = self.args["for_each"]
            self.template = self.args["template"]
        except KeyError:
            example = ("repeat:\n              template: This is %var%\n"
                       "              for_each:\n                %var%: ['a', 'b', 'c']")
            raise KeyError(f'"repeat" syntax should be {example}') from None
        self.nested = True
        if self.has_permutations:
            self.nested = self.args.get("permutations", True)
            if not isinstance(self.nested, bool):
                raise TypeError(f'"permutations" should be boolean type for {self.name} '
                                "function.")

    def validate(self) -> None:
        super().validate()
        if not isinstance(self.for_each, Fn | Mapping):
            raise TypeError(f'The "for_each" argument to "{self.name}" must contain a map')

    def _check_values(self, value: Any) -> None:
        maps = self.takes_maps and self.nested
        kinds: tuple[type, ...] = (Sequence, Mapping) if maps else (Sequence,)
        if not isinstance(value, kinds) or isinstance(value, str):
            what = "lists or maps" if maps else "lists"
            raise TypeError(f'The values of the "for_each" argument to "{self.name}" must be '
                            f"{what}")

    def result(self) -> Any:
        for_each = resolve_tree(self.for_each)
        keys, lists = zip(*for_each.items(), strict=True)
        values: list[Any] = []
        lengths = set()
        for value in lists:
            if value is None:  # a reference not yet available repeats nothing
                values.append([])
                continue
            self._check_values(value)
            values.append(value)
            lengths.add(len(value))
        if not self.nested and len(lengths) > 1:
            raise ValueError(f"For {self.name}, the length of for_each values should be equal "
                             "if no nested loop.")
        template = resolve_tree(self.template)
        combine = itertools.product if self.nested else zip
        return [_substitute(keys, combo, template) for combo in combine(*values)]


def _substitute(keys: tuple[Any, ...], values: tuple[Any, ...], template: Any) -> Any:
    if isinstance(template, str):
        for key, value in zip(keys, values, strict=False):
            template = template.replace(key, value)
        return template
    if isinstance(template, Sequence):
        return [_substitute(keys, values, item) for item in template]
    if isinstance(template, Mapping):
        return {_substitute(keys, values, k): _substitute(keys, values, v)
                for k, v in template.items()}
    return template


class RepeatWithMap(Repeat):
    """2016-10-14: a map's keys may be iterated too."""

    takes_maps = True


class RepeatWithPermutations(RepeatWithMap):
    """2017-09-01: ``permutations: false`` walks equally long lists side by side."""

    has_permutations = True


@functools.cache
def _yaql_engine() -> tuple[Any, Any, type[Exception]]:
    # yaql 3.2 refers to collections.abc without importing it, so bring it in first.
    import collections.abc  # noqa: F401

    import yaql
    from yaql.language import exceptions

    factory = yaql.YaqlFactory()
    parser = factory.create({"yaql.limitIterators": YAQL_LIMIT_ITERATORS,
                             "yaql.memoryQuota": YAQL_MEMORY_QUOTA})
    return parser, yaql.create_context(), exceptions.YaqlException


class Yaql(Fn):
    description = "Evaluate a YAQL expression over the given data."

    def setup(self) -> None:
        if not isinstance(self.args, Mapping):
            raise TypeError(f'Arguments to "{self.name}" must be a map.')
        try:
            self.expression = self.args["expression"]
            self.data = self.args.get("data", {})
            if set(self.args) - {"expression", "data"}:
                raise KeyError
        except (KeyError, TypeError):
            example = (f"{self.name}:\n              expression: $.data.var1.sum()\n"
                       "              data:\n                var1: [3, 2, 1]")
            raise KeyError(f'"{self.name}" syntax should be {example}') from None

    def validate(self) -> None:
        super().validate()
        if not isinstance(self.expression, Fn):
            self._parse(self.expression)

    def _parse(self, expression: Any) -> Any:
        if not isinstance(expression, str):
            raise TypeError(f'The "expression" argument to {self.name} must contain a string.')
        parser, _, error = _yaql_engine()
        try:
            return parser(expression)
        except error as exc:
            raise ValueError(f"Bad expression {exc}.") from None

    def result(self) -> Any:
        statement = self._parse(resolve_tree(self.expression))
        data = resolve_tree(self.data)
        _, context, _ = _yaql_engine()
        return statement.evaluate({"data": data}, context.create_child_context())


class Filter(Fn):
    description = "Return a list without the given values."

    def setup(self) -> None:
        if not isinstance(self.args, Sequence) or isinstance(self.args, str):
            raise TypeError(f'Argument to "{self.name}" must be a list')
        if len(self.args) != 2:
            raise ValueError(f'"{self.name}" expected 2 arguments of the form [values, sequence] '
                             f"but got {len(self.args)} arguments instead")
        self.values, self.sequence = self.args

    def result(self) -> Any:
        sequence = resolve_tree(self.sequence)
        if not sequence:
            return sequence
        if not isinstance(sequence, list):
            raise TypeError(f'"{self.name}" only works with lists')
        values = resolve_tree(self.values)
        if not values:
            return sequence
        if not isinstance(values, list):
            raise TypeError(f'"{self.name}" filters a list of values')
        return [item for item in sequence if item not in values]


class MakeURL(Fn):
    description = "Build a correctly escaped URL from its parts."
    keys: ClassVar[tuple[str, ...]] = ("scheme", "username", "password", "host", "port", "path",
                                       "query", "fragment")

    def _check(self, args: Mapping[str, Any]) -> None:
        for arg in self.keys:
            if arg not in args:
                continue
            value = args[arg]
            if arg == "query":
                if not isinstance(value, Fn | Mapping):
                    raise TypeError(f'The "{arg}" argument to "{self.name}" must be a map')
                return  # as in Heat, nothing after the query is looked at
            if arg == "port":
                if isinstance(value, Fn):
                    continue
                port = value
                if not isinstance(port, int):
                    try:
                        port = int(port)
                    except ValueError:
                        raise ValueError(f'Invalid URL port "{value}" for {self.name} called '
                                         f"with {dict(args)}") from None
                if not 0 < port <= 65535:
                    raise ValueError(f"Invalid URL port {port}, must be in range 1-65535")
            elif not isinstance(value, Fn | str):
                raise TypeError(f'The "{arg}" argument to "{self.name}" must be a string')

    def validate(self) -> None:
        super().validate()
        if not isinstance(self.args, Mapping):
            raise TypeError(f'The arguments to "{self.name}" must be a map')
        invalid = set(self.args) - set(self.keys)
        if invalid:
            raise ValueError(f'Invalid arguments to "{self.name}": {", ".join(invalid)}')
        self._check(self.args)

    def result(self) -> Any:
        args = resolve_tree(self.args)
        self._check(args)
        scheme = args.get("scheme", "")
        if ":" in scheme:
            raise ValueError("URL \"scheme\" should not contain ':'")
        netloc = []
        username = urlparse.quote(args.get("username", ""), safe="")
        password = urlparse.quote(args.get("password", ""), safe="")
        if username or password:
            netloc.append(username)
            if password:
                netloc += [":", password]
            netloc.append("@")
        host = args.get("host", "")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        host = urlparse.quote(host, safe=":")
        netloc.append(f"[{host}]" if ":" in host else host)
        port = args.get("port", "")
        if port:
            netloc += [":", str(port)]
        path = urlparse.quote(args.get("path", ""))
        query = urlparse.urlencode(args.get("query", {})).replace("%2F", "/")
        fragment = urlparse.quote(args.get("fragment", ""))
        return urlparse.urlunsplit((scheme, "".join(netloc), path, query, fragment))


class ListConcat(Fn):
    description = "Concatenate lists."
    unique: ClassVar[bool] = False

    def result(self) -> Any:
        args = resolve_tree(self.args)
        if isinstance(args, str) or not isinstance(args, Sequence):
            raise TypeError(_incorrect(
                self.name, f'"{self.name}" : [ [ <value 1>, <value 2> ], [ <value 3>, <value 4> ] ]'))
        out: list[Any] = []
        for item in args:
            if item is None:
                continue
            if isinstance(item, str) or not isinstance(item, Sequence):
                raise TypeError(f"Incorrect arguments: Items to concat must be lists. "
                                f"{json.dumps(args)} contains an item that is not a list: "
                                f"{json.dumps(item)}")
            out.extend(item)
        if not self.unique:
            return out
        unique: list[Any] = []
        for item in out:
            if item not in unique:
                unique.append(item)
        return unique


class ListConcatUnique(ListConcat):
    description = "Concatenate lists, keeping the first of equal items."
    unique = True


class Contains(Fn):
    description = "Whether a value is in a sequence."

    def setup(self) -> None:
        if not self.args or not isinstance(self.args, list):
            raise TypeError(_incorrect(
                self.name, f'"{self.name}" : [ "value1", [ "value1", "value2"]]'))
        try:
            self.value, self.sequence = self.args
        except ValueError:
            raise ValueError(f'Arguments to "{self.name}" must be of the form: '
                             "[value1, [value1, value2]]") from None

    def result(self) -> Any:
        value = resolve_tree(self.value)
        sequence = resolve_tree(self.sequence)
        if not isinstance(sequence, Sequence):
            raise TypeError(f'Second argument to "{self.name}" should be a sequence.')
        return value in sequence
