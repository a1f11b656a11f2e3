"""Constraints on parameter values (length, range, modulo, allowed values and patterns,
custom checks) and the conversions between a parameter's given value and its type, worded as
Heat words every refusal."""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from nimbus.orchestration.template.errors import InvalidSchemaError

if TYPE_CHECKING:
    from nimbus.orchestration.template.parameters import ParamSchema

_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")

# Asked about a ``custom_constraint`` (name, value): an error message, or None when valid.
CustomCheck = Callable[[str, Any], "str | None"]


def to_number(value: Any) -> Any:
    """An int where the text is one, else a float (ValueError/TypeError otherwise)."""
    if isinstance(value, numbers.Number):
        return value
    try:
        return int(value)
    except ValueError:
        return float(value)


def to_bool(value: Any) -> bool:
    """The boolean a value spells (``yes``, ``0``, ``on``...), strictly."""
    if isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else str(value)
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    acceptable = ", ".join(f"'{s}'" for s in sorted(_TRUE + _FALSE))
    raise ValueError(f"Unrecognized value '{text}', acceptable values are: {acceptable}")


class Constraint:
    """One constraint of a parameter; its class name is what Heat calls it in messages."""

    valid_types: ClassVar[tuple[str, ...]] = ()

    def __init__(self, description: str | None = None) -> None:
        self.description = description

    @property
    def kind(self) -> str:
        return type(self).__name__

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        """What is wrong with ``value``, or None."""
        raise NotImplementedError

    def check(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> None:
        problem = self.problem(value, schema, custom)
        if problem is not None:
            raise ValueError(self.description or problem)

    def view(self, out: dict[str, Any]) -> None:
        """Add this constraint's keys to a parameter's ``POST /validate`` entry."""


class Range(Constraint):
    valid_types: ClassVar[tuple[str, ...]] = ("number",)
    view_keys: ClassVar[tuple[str, str]] = ("MinValue", "MaxValue")

    def __init__(self, min: Any = None, max: Any = None, description: str | None = None) -> None:
        super().__init__(description)
        self.min, self.max = min, max
        for bound in (min, max):
            if not isinstance(bound, float | int | type(None)):
                raise InvalidSchemaError(message="min/max must be numeric")
        if min is None and max is None:
            raise InvalidSchemaError(message="A range constraint must have a min value and/or "
                                             "a max value specified.")

    def _outside(self, number: Any) -> bool:
        number = to_number(number)
        return (self.min is not None and number < self.min) or \
            (self.max is not None and number > self.max)

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        if self._outside(value):
            return f"{value} is out of range (min: {self.min}, max: {self.max})"
        return None

    def view(self, out: dict[str, Any]) -> None:
        if self.min is not None:
            out[self.view_keys[0]] = self.min
        if self.max is not None:
            out[self.view_keys[1]] = self.max


class Length(Range):
    valid_types = ("string", "comma_delimited_list", "json")
    view_keys = ("MinLength", "MaxLength")

    def __init__(self, min: Any = None, max: Any = None, description: str | None = None) -> None:
        if min is None and max is None:
            raise InvalidSchemaError(message="A length constraint must have a min value and/or "
                                             "a max value specified.")
        super().__init__(min, max, description)
        for bound in (min, max):
            if not isinstance(bound, int | type(None)):
                raise InvalidSchemaError(message="min/max length must be integral")

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        if self._outside(len(value)):
            return f"length ({len(value)}) is out of range (min: {self.min}, max: {self.max})"
        return None


class Modulo(Constraint):
    valid_types = ("number",)

    def __init__(self, step: Any = None, offset: Any = None,
                 description: str | None = None) -> None:
        super().__init__(description)
        self.step, self.offset = step, offset
        if step is None or offset is None:
            raise InvalidSchemaError(message="A modulo constraint must have a step value and "
                                             "an offset value specified.")
        for bound in (step, offset):
            if not isinstance(bound, float | int):
                raise InvalidSchemaError(message="step/offset must be numeric")
            if int(bound) != bound:
                raise InvalidSchemaError(message="step/offset must be integer")
        step, offset = int(step), int(offset)
        if step == 0:
            raise InvalidSchemaError(message="step cannot be 0.")
        if abs(offset) >= abs(step):
            raise InvalidSchemaError(message="offset must be smaller (by absolute value) than "
                                             "step.")
        if step * offset < 0:
            raise InvalidSchemaError(message="step and offset must be both positive or both "
                                             "negative.")

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        if to_number(value) % self.step != self.offset:
            return f"{value} is not a multiple of {self.step} with an offset of {self.offset}"
        return None

    def view(self, out: dict[str, Any]) -> None:
        out["Step"] = self.step
        out["Offset"] = self.offset


class AllowedValues(Constraint):
    valid_types = ("string", "number", "boolean", "comma_delimited_list")

    def __init__(self, allowed: Any, description: str | None = None) -> None:
        super().__init__(description)
        if not isinstance(allowed, list | tuple):
            raise InvalidSchemaError(message="AllowedValues must be a list")
        self.allowed = tuple(allowed)

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        if isinstance(value, list):
            valid = all(v in self.allowed for v in value)
        else:
            # Compared in the parameter's type, so "5" is allowed where 5 is.
            valid = schema.convert(value) in tuple(schema.convert(a) for a in self.allowed)
        if valid:
            return None
        allowed = ", ".join(json.dumps(a) for a in self.allowed)
        return f"{json.dumps(value)} is not an allowed value [{allowed}]"

    def view(self, out: dict[str, Any]) -> None:
        out["AllowedValues"] = list(self.allowed)


class AllowedPattern(Constraint):
    valid_types = ("string",)

    def __init__(self, pattern: Any, description: str | None = None) -> None:
        super().__init__(description)
        if not isinstance(pattern, str):
            raise InvalidSchemaError(message="AllowedPattern must be a string")
        self.pattern = pattern
        try:
            self._match = re.compile(pattern).match
        except re.error as exc:
            raise InvalidSchemaError(message=f"Invalid pattern {pattern}: {exc}") from None

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        match = self._match(value)
        if match is not None and match.end() == len(value):
            return None
        return f'"{value}" does not match pattern "{self.pattern}"'

    def view(self, out: dict[str, Any]) -> None:
        out["AllowedPattern"] = self.pattern


class CustomConstraint(Constraint):
    """A named check of another service (``nova.flavor``...), left to the ``custom_check``
    hook; without one every value passes."""

    valid_types = ("string", "number", "boolean", "comma_delimited_list")

    def __init__(self, name: Any, description: str | None = None) -> None:
        super().__init__(description)
        self.name = name

    def problem(self, value: Any, schema: ParamSchema, custom: CustomCheck | None) -> str | None:
        return None if custom is None else custom(self.name, value)

    def view(self, out: dict[str, Any]) -> None:
        out["CustomConstraint"] = self.name


def parse_list(value: Any) -> Any:
    if isinstance(value, list):
        return [str(x) for x in value]
    if value is None:
        return None
    if value == "":
        return []
    try:
        return value.split(",")
    except (KeyError, AttributeError) as err:
        raise ValueError(f"Value must be a comma-delimited list string: {err}") from None


def parse_json(value: Any) -> Any:
    try:
        text = value if isinstance(value, str) else json.dumps(value)
        if text:
            return json.loads(text)
    except (ValueError, TypeError) as err:
        raise ValueError(f"Value must be valid JSON: {err}") from None
    return value
