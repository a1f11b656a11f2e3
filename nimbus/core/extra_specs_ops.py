"""The extra-spec operators Nova's and Cinder's schedulers share: how a requirement such as
``>= 4``, ``<in> ssd``, ``<is> True``, ``<or> a <or> b`` or ``s== text`` is matched against what
a host or backend has (an aggregate's metadata value, a volume backend's capability).

Without a known operator the requirement must equal the value. ``=`` means "at least" (more
of something satisfies a request for less); the ``s`` operators compare text.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

_TRUE = ("1", "t", "true", "on", "y", "yes")


def _number(compare: Callable[[float, float], bool]) -> Callable[[str, Any], bool]:
    def check(value: str, wanted: Any) -> bool:
        try:
            return compare(float(value), float(wanted))
        except (TypeError, ValueError):
            return False
    return check


def _truth(value: str) -> bool:
    return value.strip().lower() in _TRUE


_OPERATORS: dict[str, Callable[[str, Any], bool]] = {
    "=": _number(operator.ge), "==": _number(operator.eq), "!=": _number(operator.ne),
    ">=": _number(operator.ge), "<=": _number(operator.le),
    "<in>": lambda value, wanted: wanted in value,
    "<all-in>": lambda value, wanted: all(w in value for w in wanted),
    "<is>": lambda value, wanted: _truth(value) is _truth(wanted),
    "s==": operator.eq, "s!=": operator.ne, "s<": operator.lt, "s<=": operator.le,
    "s>": operator.gt, "s>=": operator.ge,
}


def as_text(value: Any) -> str | None:
    """A host's value as the operators see it (a capability may be a bool or a number)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def matches(value: Any, requirement: str) -> bool:
    """Whether a host's ``value`` satisfies the extra spec's ``requirement``."""
    text = as_text(value)
    words = str(requirement).split()
    op = words.pop(0) if words else None
    if op != "<or>" and op not in _OPERATORS:
        return text == requirement
    if text is None:
        return False
    if op == "<or>":
        # "<or> a <or> b": the alternatives are every other word.
        return text in words[::2]
    if not words:
        return False
    return _OPERATORS[str(op)](text, words if op == "<all-in>" else words[0])
