"""CloudFormation's functions (``Ref``, ``Fn::GetAtt``, ``Fn::Select``...), as Heat offers them
to ``AWSTemplateFormatVersion`` and ``HeatTemplateFormatVersion`` templates and, for the first
HOT version, beside HOT's own."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from itertools import groupby
from typing import Any

from nimbus.orchestration.template.errors import InvalidTemplateReference, UserParameterMissing
from nimbus.orchestration.template.functions_base import (
    Fn,
    lookup_param,
    lookup_resource,
    resolve_tree,
)
from nimbus.orchestration.template.functions_hot import GetAtt, Replace, ResourceFacade


class FindInMap(Fn):
    description = "Return a value from the Mappings section."

    def setup(self) -> None:
        try:
            self.map_name, self.key, self.item = self.args
        except ValueError as exc:
            raise KeyError(str(exc)) from None

    def result(self) -> Any:
        mapping = self.ctx.mapping(resolve_tree(self.map_name))
        return mapping[resolve_tree(self.key)][resolve_tree(self.item)]


class GetAZs(Fn):
    description = "Return the availability zones."

    def result(self) -> Any:
        return self.ctx.availability_zones()


class ParamRef(Fn):
    """``Ref`` to a parameter (the only ``Ref`` a condition may make)."""

    description = "Return the value of a parameter."

    def static_name(self) -> Any:
        return self.args if isinstance(self.args, str) else None

    def result(self) -> Any:
        name = resolve_tree(self.args)
        try:
            return lookup_param(self.scope, name)
        except (KeyError, TypeError):
            raise InvalidTemplateReference(resource=name, key="unknown") from None


class Ref(ParamRef):
    """``Ref`` to a resource when the stack has one of that name, else to a parameter."""

    description = "Return the reference of a resource, or the value of a parameter."

    def setup(self) -> None:
        # Known when the resource names are (a check, dependencies); when evaluating without
        # them it is settled by the stack itself, in ``result``.
        self.is_resource: bool | None = None
        if isinstance(self.args, str) and self.scope.resources is not None:
            self.is_resource = self.args in self.scope.resources
        elif not isinstance(self.args, str):
            self.is_resource = False

    def static_name(self) -> Any:
        return None if self.is_resource else super().static_name()

    def dependencies(self, path: str) -> Iterator[tuple[Any, str]]:
        if self.is_resource:
            yield self.args, path
        yield from super().dependencies(path)

    def result(self) -> Any:
        if self.is_resource:
            return lookup_resource(self.scope, resolve_tree(self.args))
        if self.is_resource is False:
            return super().result()
        # A stack's parameters and resources never share a name, so whichever the stack has
        # is the one meant; a resource is asked for last, since a context may answer None
        # (not created yet) for a name it does not know.
        try:
            return lookup_param(self.scope, self.args)
        except (KeyError, UserParameterMissing):
            return lookup_resource(self.scope, self.args)


class CfnGetAtt(GetAtt):
    def split_args(self) -> tuple[Any, Any, list[Any]]:
        try:
            resource, attribute = self.args
        except ValueError:
            raise ValueError(f'Arguments to "{self.name}" must be of the form '
                             "[resource_name, attribute]") from None
        return resource, attribute, []


class Select(Fn):
    description = "Return an item of a list or map (or of its JSON text) by index or key."

    def setup(self) -> None:
        try:
            self.index, self.collection = self.args
        except ValueError:
            raise ValueError(f'Arguments to "{self.name}" must be of the form '
                             "[index, collection]") from None

    def result(self) -> Any:
        index = resolve_tree(self.index)
        collection = resolve_tree(self.collection)
        if collection == "":
            # What an unavailable reference often gives: nothing to select from yet.
            return ""
        if isinstance(collection, str):
            try:
                collection = json.loads(collection)
            except ValueError as exc:
                raise ValueError(f'"{self.name}": {exc}') from None
        if isinstance(collection, Mapping):
            if not isinstance(index, str):
                raise TypeError(f'Index to "{self.name}" must be a string')
            return collection.get(index, "")
        with contextlib.suppress(ValueError, TypeError):
            index = int(index)
        if isinstance(collection, Sequence) and not isinstance(collection, str):
            if not isinstance(index, int):
                raise TypeError(f'Index to "{self.name}" must be an integer')
            try:
                return collection[index]
            except IndexError:
                return ""
        if collection is None:
            return ""
        raise TypeError(f"Arguments to {self.name} not fully resolved")


class Split(Fn):
    description = "Split a string on a delimiter into a list."

    def setup(self) -> None:
        message = (f'Incorrect arguments to "{self.name}" should be: '
                   f'"{self.name}" : [ ",", "str1,str2"]]')
        if isinstance(self.args, str | Mapping):
            raise TypeError(message)
        try:
            self.delim, self.text = self.args
        except ValueError:
            raise ValueError(message) from None

    def result(self) -> Any:
        text = resolve_tree(self.text)
        if not isinstance(self.delim, str):
            raise TypeError(f"Delimiter for {self.name} must be string")
        if not isinstance(text, str):
            raise TypeError(f"String to split must be string; got {type(text)}")
        return text.split(self.delim)


class CfnReplace(Replace):
    """``Fn::Replace``: ``[{key: value, ...}, template]``."""

    def split_args(self) -> tuple[Any, Any]:
        example = f'{{"{self.name}": [ {{"$var1": "foo", "%var2%": "bar"}}, "$var1 is %var2%"]}}'
        message = f'Incorrect arguments to "{self.name}" should be: {example}'
        if isinstance(self.args, str | Mapping):
            raise TypeError(message)
        try:
            mapping, template = self.args
        except ValueError:
            raise ValueError(message) from None
        return mapping, template


class Base64(Fn):
    """Heat takes user data as plain text, so this encodes nothing: it only checks."""

    description = "Return a string unchanged (user data needs no encoding here)."

    def result(self) -> Any:
        value = resolve_tree(self.args)
        if not isinstance(value, str):
            raise TypeError(f'"{self.name}" argument must be a string')
        return value


_MEMBER = re.compile(r"\.member\.([0-9]+)\.(.*)")


class MemberListToMap(Fn):
    description = "Turn an AWS-style member list (.member.N.Name=...) into a map."

    def setup(self) -> None:
        try:
            self.key_name, self.value_name, self.members = self.args
        except ValueError:
            correct = ("\n            {'Fn::MemberListToMap': ['Name', 'Value',\n"
                       "                                     ['.member.0.Name=key',\n"
                       "                                      '.member.0.Value=door']]}\n"
                       "            ")
            raise TypeError(f'Wrong Arguments try: "{correct}"') from None
        if not isinstance(self.key_name, str):
            raise TypeError(f"{self.name} Key Name must be a string")
        if not isinstance(self.value_name, str):
            raise TypeError(f"{self.name} Value Name must be a string")

    def result(self) -> Any:
        members = resolve_tree(self.members)
        if not isinstance(members, list | tuple | dict | str):
            raise TypeError("Member list must be a list")

        def item(entry: Any) -> list[str]:
            if not isinstance(entry, str):
                raise TypeError("Member list items must be strings")
            return entry.split("=", 1)

        pairs = dict(item(s) for s in members)
        found = []
        for name, value in pairs.items():
            match = _MEMBER.match(name)
            if match:
                found.append((int(match.group(1)), (match.group(2), value)))
        found.sort(key=lambda f: f[0])
        entries = [dict(kv for _, kv in group) for _, group in groupby(found, lambda f: f[0])]
        return {e[self.key_name]: e[self.value_name] for e in entries
                if self.key_name in e and self.value_name in e}


class CfnResourceFacade(ResourceFacade):
    kinds = ("Metadata", "DeletionPolicy", "UpdatePolicy")
