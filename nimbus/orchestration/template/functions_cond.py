"""Conditions: ``equals``, ``not``, ``and``, ``or`` (and their ``Fn::`` forms), the ``if``
that picks a value by a condition, and the refusal of other functions inside a condition."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from nimbus.orchestration.template.functions_base import (
    ABSENT,
    Fn,
    condition_enabled,
    parse,
    resolve_tree,
    validate_tree,
    walk_dependencies,
)


class Equals(Fn):
    description = "Whether two values are equal."

    def setup(self) -> None:
        try:
            if not self.args or not isinstance(self.args, list):
                raise ValueError
            self.first, self.second = self.args
        except ValueError:
            raise ValueError(f'Arguments to "{self.name}" must be of the form: '
                             "[value_1, value_2]") from None

    def result(self) -> Any:
        return resolve_tree(self.first) == resolve_tree(self.second)


class If(Fn):
    """``if``/``Fn::If``: the condition is settled when the snippet is parsed, and only the
    chosen value is kept, so the other may reference what this stack does not have.

    With no context (a static check) the condition cannot be settled, so both values are kept
    and checked.
    """

    description = "Return one of two values, depending on a condition."
    macro = True

    def read_args(self, args: Sequence[Any]) -> tuple[Any, Any, Any]:
        condition, if_true, if_false = args
        return condition, if_true, if_false

    def setup(self) -> None:
        args = self.args
        try:
            if not args or not isinstance(args, Sequence) or isinstance(args, str):
                raise ValueError
            condition, if_true, if_false = self.read_args(args)
        except ValueError:
            raise ValueError(f'Arguments to "{self.name}" must be of the form: '
                             "[condition_name, value_if_true, value_if_false]") from None
        # Heat parses the condition under the bare function name, not the full path.
        self.condition = parse(condition, self.scope, self.name, self.scope.condition_table)
        ctx = self.scope.ctx
        if ctx is None:
            known = self.scope.conditions
            if isinstance(self.condition, str) and known is not None \
                    and self.condition not in known:
                raise ValueError(f'Invalid condition "{self.condition}"')
            chosen = [if_true, if_false]
        else:
            value = resolve_tree(self.condition)
            chosen = [if_true if condition_enabled(value, ctx) else if_false]
        self.branches = [parse(c, self.scope, self.path, self.table) for c in chosen]

    def parts(self) -> list[Any]:
        return [self.condition, *self.branches]

    def validate(self) -> None:
        for branch in self.branches:
            validate_tree(branch, [])

    def dependencies(self, path: str) -> Iterator[tuple[Any, str]]:
        for branch in self.branches:
            yield from walk_dependencies(branch, f"{path}.{self.name}")

    def result(self) -> Any:
        return resolve_tree(self.branches[0], nullable=True)


class IfNullable(If):
    """2021-04-16: the false value may be left out, and the item holding the ``if`` goes with
    it when the condition is false."""

    def read_args(self, args: Sequence[Any]) -> tuple[Any, Any, Any]:
        if not 2 <= len(args) <= 3:
            raise ValueError
        if len(args) == 2:
            return args[0], args[1], ABSENT
        return super().read_args(args)


class ConditionBoolean(Fn):
    def setup(self) -> None:
        if not isinstance(self.args, Sequence) or isinstance(self.args, str):
            raise ValueError(f'Arguments to "{self.name}" must be a list of conditions')
        if len(self.args) < 2:
            raise ValueError(f'The minimum number of condition arguments to "{self.name}" is 2.')

    def enabled(self, value: Any) -> bool:
        return condition_enabled(value, self.ctx)


class Not(ConditionBoolean):
    description = "The negation of a condition."

    def setup(self) -> None:
        self.condition = self.args
        if self.args is None:
            raise ValueError(f'Argument to "{self.name}" must be a condition')

    def result(self) -> Any:
        return not self.enabled(resolve_tree(self.condition))


class CfnNot(Not):
    """``Fn::Not`` takes its one condition in a list."""

    def setup(self) -> None:
        message = f'Arguments to "{self.name}" must be of the form: [condition]'
        args = self.args
        if not args or not isinstance(args, Sequence) or isinstance(args, str) or len(args) != 1:
            raise ValueError(message)
        self.condition = args[0]


class And(ConditionBoolean):
    description = "Whether all of two or more conditions hold."

    def result(self) -> Any:
        return all(self.enabled(c) for c in resolve_tree(self.args))


class Or(ConditionBoolean):
    description = "Whether any of two or more conditions holds."

    def result(self) -> Any:
        return any(self.enabled(c) for c in resolve_tree(self.args))


class Invalid(Fn):
    """A function that a condition may not use."""

    def setup(self) -> None:
        raise ValueError(f'The function "{self.name}" is invalid in this context')

