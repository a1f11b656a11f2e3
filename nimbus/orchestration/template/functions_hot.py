"""HOT's functions that look things up or build strings: parameters, resources, attributes,
files, joins, replacements, splits and digests.

Each keeps Heat's argument forms and its wording; where a message embeds a Python object (a
``repr``, a type, a JSON dump) it is built the same way, so it reads the same.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from nimbus.orchestration.template.errors import (
    InvalidTemplateAttribute,
    InvalidTemplateReference,
    InvalidTemplateVersion,
    UserParameterMissing,
)
from nimbus.orchestration.template.functions_base import (
    UNKNOWN,
    Fn,
    check_resource_known,
    lookup_param,
    lookup_resource,
    resolve_tree,
)

# ``get_attr: [res]`` (2015-10-15 on): no attribute named, every attribute wanted.
ALL_ATTRIBUTES: Any = object()


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class GetParam(Fn):
    description = "Return the value of a parameter, or of the part of it a path selects."

    def static_name(self) -> Any:
        """The parameter named, when the template spells it out."""
        args = self.args
        if isinstance(args, list) and args:
            args = args[0]
        return args if isinstance(args, str) else None

    def result(self) -> Any:
        args = resolve_tree(self.args)
        if not args:
            raise ValueError(f'Function "{self.name}" must have arguments')
        if isinstance(args, str):
            name, path = args, []
        elif isinstance(args, Sequence):
            name, path = args[0], list(args[1:])
        else:
            raise TypeError(f'Argument to "{self.name}" must be string or list')
        if not isinstance(name, str):
            raise TypeError(f'Parameter name in "{self.name}" must be string')
        try:
            value = lookup_param(self.scope, name)
        except KeyError:
            raise UserParameterMissing(key=name) from None
        # A path that leads nowhere gives an empty string rather than an error, as in Heat.
        try:
            return functools.reduce(self._step, path, value)
        except (KeyError, IndexError, TypeError):
            return ""

    def _step(self, collection: Any, key: Any) -> Any:
        if not isinstance(collection, Mapping | Sequence):
            raise TypeError(f'"{self.name}" can\'t traverse path')
        if not isinstance(key, str | int):
            raise TypeError(f'Path components in "{self.name}" must be strings')
        if isinstance(collection, Sequence) and isinstance(key, str):
            try:
                key = int(key)
            except ValueError:
                raise TypeError("bad list index") from None
        return collection[key]


class GetResource(Fn):
    description = "Return the reference (physical id) of a resource of the stack."

    def resource_name(self) -> Any:
        return self.known(self.args)

    def dependencies(self, path: str) -> Iterator[tuple[Any, str]]:
        name = self.resource_name()
        if name is not UNKNOWN:
            yield name, path
        yield from super().dependencies(path)

    def result(self) -> Any:
        return lookup_resource(self.scope, resolve_tree(self.args))


def select_path(value: Any, path: list[Any]) -> Any:
    """Follow ``path`` into an attribute value; None where it leads nowhere."""
    def step(collection: Any, key: Any) -> Any:
        if not isinstance(collection, Mapping | Sequence):
            raise TypeError("Can't traverse attribute path")
        if not isinstance(key, str | int):
            raise TypeError("Path components in attributes must be strings")
        found: Any = collection
        return found[key]

    try:
        return functools.reduce(step, path, value)
    except (KeyError, IndexError, TypeError):
        return None


class GetAtt(Fn):
    """``get_attr`` as 2013-05-23 to 2015-04-30 have it: a resource, an attribute, a path."""

    description = "Return an attribute of a resource, or the part of it a path selects."
    form: ClassVar[str] = "[resource_name, attribute, (path), ...]"

    def setup(self) -> None:
        self.resource, self.attribute, self.select = self.split_args()

    def split_args(self) -> tuple[Any, Any, list[Any]]:
        args = self.args
        if not isinstance(args, Sequence) or isinstance(args, str):
            raise TypeError(f'Argument to "{self.name}" must be a list')
        if len(args) < 2:
            raise ValueError(f'Arguments to "{self.name}" must be of the form {self.form}')
        return args[0], args[1], list(args[2:])

    def dependencies(self, path: str) -> Iterator[tuple[Any, str]]:
        name = self.known(self.resource)
        if name is not UNKNOWN:
            yield name, path
        yield from super().dependencies(path)

    def validate(self) -> None:
        super().validate()
        name = self.known(self.resource)
        if name is UNKNOWN:
            return
        check_resource_known(self.scope, name)
        if self.attribute is ALL_ATTRIBUTES or self.scope.attributes is None:
            return
        attribute = self.known(self.attribute)
        allowed = self.scope.attributes(name)
        if attribute is not UNKNOWN and allowed is not None and attribute not in allowed:
            raise InvalidTemplateAttribute(resource=self.resource, key=attribute)

    def result(self) -> Any:
        name = resolve_tree(self.resource)
        ctx = self.ctx
        if self.attribute is ALL_ATTRIBUTES:
            try:
                return ctx.all_attributes(name)
            except (KeyError, TypeError):
                raise InvalidTemplateReference(resource=name, key="unknown") from None
        attribute = resolve_tree(self.attribute)
        path = resolve_tree(self.select)
        try:
            value = ctx.get_attr(name, attribute)
        except (KeyError, TypeError):
            raise InvalidTemplateReference(resource=name, key="unknown") from None
        if value is None:
            return None
        return select_path(value, path)


class GetAttAll(GetAtt):
    """``get_attr`` from 2015-10-15: ``[resource]`` alone gives every attribute."""

    def split_args(self) -> tuple[Any, Any, list[Any]]:
        args = self.args
        if not args:
            raise ValueError(f'Arguments to "{self.name}" can be of the next forms: '
                             '[resource_name] or [resource_name, attribute, (path), ...]')
        if isinstance(args, Sequence):
            if len(args) > 1:
                return super().split_args()
            return args[0], ALL_ATTRIBUTES, []
        raise TypeError(f'Argument to "{self.name}" must be a list')


class Replace(Fn):
    """``str_replace`` up to 2015-04-30: params must be strings or numbers."""

    description = "Substitute the params' values for their keys in a template string."
    strict: ClassVar[bool] = False
    allow_empty: ClassVar[bool] = True

    def setup(self) -> None:
        self.mapping, self.template = self.split_args()
        if not isinstance(self.mapping, Mapping | Fn):
            raise TypeError(f'"{self.name}" parameters must be a mapping')

    def split_args(self) -> tuple[Any, Any]:
        if not isinstance(self.args, Mapping):
            raise TypeError(f'Arguments to "{self.name}" must be a map')
        try:
            return self.args["params"], self.args["template"]
        except (KeyError, TypeError):
            example = (f"{self.name}:\n              template: This is var1 template var2\n"
                       "              params:\n                var1: a\n"
                       "                var2: string")
            raise KeyError(f'"{self.name}" syntax should be {example}') from None

    def replacement(self, value: Any, param: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str | int | float | bool):
            raise TypeError(f'"{self.name}" params must be strings or numbers, '
                            f"param {param} is not valid")
        return str(value)

    def result(self) -> Any:
        template = resolve_tree(self.template)
        mapping = resolve_tree(self.mapping)
        wanted = set(mapping) if self.strict else set()
        if not isinstance(template, str):
            raise TypeError(f'"{self.name}" template must be a string')
        if not isinstance(mapping, Mapping):
            raise TypeError(f'"{self.name}" params must be a map')
        found: set[str] = set()

        # Longest keys first (then alphabetical), each splitting what the longer ones left, so
        # an overlapping shorter key never eats into a longer one.
        def substitute(pieces: list[str], keys: list[Any]) -> list[str]:
            if not keys:
                return pieces
            key = keys[0]
            if not isinstance(key, str):
                raise TypeError(f'"{self.name}" param placeholders must be strings')
            value = self.replacement(mapping[key], key)
            out = []
            for piece in pieces:
                split = piece.split(key)
                if len(split) > 1:
                    found.add(key)
                out.append(value.join(substitute(split, keys[1:])))
            return out

        text = substitute([template], sorted(sorted(mapping), key=len, reverse=True))[0]
        missing = wanted - found
        if missing:
            names = ",".join(sorted(sorted(missing), key=len, reverse=True))
            raise ValueError(f"The following params were not found in the template: {names}")
        return text


class ReplaceJson(Replace):
    """``str_replace`` from 2015-10-15: a list or map param is substituted as JSON."""

    def replacement(self, value: Any, param: Any) -> str:
        def empty() -> ValueError:
            return ValueError(f"{self.name} has an undefined or empty value for param {param}, "
                              "must be a defined non-empty value")

        if value is None:
            if self.allow_empty:
                return ""
            raise empty()
        if not isinstance(value, str | int | float | bool):
            if isinstance(value, Mapping | Sequence):
                if not self.allow_empty and len(value) == 0:
                    raise empty()
                try:
                    return _dumps(value)
                except TypeError:
                    raise TypeError(f'"{self.name}" params must be strings, numbers, list or '
                                    f"map. Failed to json serialize {value}") from None
            raise TypeError(f'"{self.name}" params must be strings, numbers, list or map.')
        text = str(value)
        if not self.allow_empty and not text:
            raise empty()
        return text


class ReplaceStrict(ReplaceJson):
    description = "Like str_replace, but every param must occur in the template."
    strict = True


class ReplaceVeryStrict(ReplaceStrict):
    description = "Like str_replace_strict, but no param may be empty or undefined."
    allow_empty = False


class GetFile(Fn):
    description = "A function for including a file inline."

    def result(self) -> Any:
        key = resolve_tree(self.args)
        if not isinstance(key, str):
            raise TypeError(f'Argument to "{self.name}" must be a string')
        try:
            content = self.ctx.get_file(key)
        except KeyError:
            content = None
        if content is None:
            raise ValueError(f'No content found in the "files" section for {self.name} '
                             f"path: {key}")
        return content


class Join(Fn):
    """``list_join`` up to 2015-04-30, and CloudFormation's ``Fn::Join``: one list of
    strings."""

    description = "Join a list of strings with a delimiter."

    def setup(self) -> None:
        message = (f'Incorrect arguments to "{self.name}" should be: '
                   f'"{self.name}" : [ " ", [ "str1", "str2"]]')
        if not isinstance(self.args, list):
            raise TypeError(message)
        try:
            self.delim, self.strings = self.args
        except ValueError:
            raise ValueError(message) from None

    def result(self) -> Any:
        strings = resolve_tree(self.strings)
        if strings is None:
            strings = []
        if isinstance(strings, str) or not isinstance(strings, Sequence):
            raise TypeError(f'"{self.name}" must operate on a list')
        delim = resolve_tree(self.delim)
        if not isinstance(delim, str):
            raise TypeError(f'"{self.name}" delimiter must be a string')

        def text(item: Any) -> str:
            if item is None:
                return ""
            if not isinstance(item, str):
                raise TypeError(f"Items to join must be strings not {repr(item)[:200]}")
            return item

        return delim.join(text(s) for s in strings)


class JoinMultiple(Fn):
    """``list_join`` from 2015-10-15: any number of lists; maps and lists join as JSON."""

    description = "Join one or more lists of strings with a delimiter."

    def setup(self) -> None:
        message = (f'Incorrect arguments to "{self.name}" should be: '
                   f'"{self.name}" : [ " ", [ "str1", "str2"] ...]')
        if not isinstance(self.args, list):
            raise TypeError(message)
        if len(self.args) < 2:
            raise ValueError(message)
        self.delim, self.lists = self.args[0], self.args[1:]

    def result(self) -> Any:
        strings: list[Any] = []
        for each in resolve_tree(self.lists):
            if each:
                if isinstance(each, str) or not isinstance(each, Sequence):
                    raise TypeError(f'"{self.name}" must operate on a list')
                strings += each
        delim = resolve_tree(self.delim)
        if not isinstance(delim, str):
            raise TypeError(f'"{self.name}" delimiter must be a string')

        def text(item: Any) -> str:
            message = f"Items to join must be string, map or list not {repr(item)[:200]}"
            if item is None:
                return ""
            if isinstance(item, str):
                return item
            if isinstance(item, Mapping | Sequence):
                try:
                    return _dumps(item)
                except TypeError:
                    message = (f"Items to join must be string, map or list. "
                               f"{repr(item)[:200]} failed json serialization")
            raise TypeError(message)

        return delim.join(text(s) for s in strings)


class ResourceFacade(Fn):
    description = "Return a policy or the metadata of the resource this stack implements."
    kinds: ClassVar[tuple[str, ...]] = ("metadata", "deletion_policy", "update_policy")

    def setup(self) -> None:
        if self.args not in self.kinds:
            raise ValueError(f'Incorrect arguments to "{self.name}" should be one of: '
                             f"{', '.join(self.kinds)}")

    def result(self) -> Any:
        kind = resolve_tree(self.args)
        hot_names = dict(zip(self.kinds, ResourceFacade.kinds, strict=True))
        return self.ctx.resource_facade(hot_names[kind])


class Removed(Fn):
    """A name an earlier version had: refused by validation, and by evaluation too."""

    def _error(self) -> InvalidTemplateVersion:
        return InvalidTemplateVersion(
            explanation=f"The function {self.name} is not supported in this version of HOT.")

    def validate(self) -> None:
        raise self._error()

    def result(self) -> Any:
        raise self._error()


class Digest(Fn):
    description = "Return the hex digest of a value with a hashlib algorithm."

    def result(self) -> Any:
        args = resolve_tree(self.args)
        if not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
            raise TypeError(f'Argument to function "{self.name}" must be a list of strings')
        if len(args) != 2:
            raise ValueError(f'Function "{self.name}" usage: ["<algorithm>", "<value>"]')
        algorithms = hashlib.algorithms_available
        if args[0].lower() not in algorithms:
            raise ValueError(f"Algorithm must be one of {algorithms}")
        digest = hashlib.new(args[0])
        digest.update(args[1].encode("latin-1"))
        return digest.hexdigest()


class StrSplit(Fn):
    description = "Split a string on a delimiter into a list, or return one item of it."

    def setup(self) -> None:
        if isinstance(self.args, str | Mapping):
            raise TypeError(self._incorrect())

    def _incorrect(self) -> str:
        return (f'Incorrect arguments to "{self.name}" should be: '
                f'"{self.name}" : [ ",", "apples,pears", <index>]')

    def result(self) -> Any:
        args = resolve_tree(self.args)
        try:
            delim = args.pop(0)
            text = args.pop(0)
        except (AttributeError, IndexError):
            raise ValueError(self._incorrect()) from None
        if text is None:
            return None
        pieces = text.split(delim)
        if not args:
            return pieces
        try:
            index = int(args.pop(0))
        except ValueError:
            raise ValueError(self._incorrect().replace("Incorrect arguments",
                                                       "Incorrect index")) from None
        try:
            return pieces[index]
        except IndexError:
            raise ValueError(f'Incorrect index to "{self.name}" should be between 0 and '
                             f"{len(pieces) - 1}") from None
