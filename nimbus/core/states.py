"""Declared state machines: each stateful resource names its states and the moves between them.

A service declares one ``StateMachine`` per state field (a server's ``vm_state`` and
``task_state``, a volume's ``status``...) in its ``states.py``, and every write of that field
goes through ``move`` (an ORM row) or ``check`` (a conditional update). A move the declaration
does not allow is a 409 that names both states, so a bug that would leave a resource in an
impossible state fails loudly where it happens.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nimbus.core.errors import Conflict, register

State = str | None


class IllegalTransition(Conflict):
    message_format = "Cannot change {resource} {id} {field} from {current} to {new}."


register(IllegalTransition)


def _name(state: State) -> str:
    return "None" if state is None else state


@dataclass(frozen=True)
class StateMachine:
    """``transitions[a]`` is every state ``a`` may move to; ``any_to`` may be entered from any
    state (error, deleting); ``initial`` are the states a new row may start in."""

    resource: str
    attribute: str
    transitions: Mapping[State, Iterable[State]]
    any_to: frozenset[State] = frozenset()
    initial: frozenset[State] = frozenset()
    _table: dict[State, frozenset[State]] = dataclasses.field(init=False, repr=False,
                                                             compare=False)

    def __post_init__(self) -> None:
        table = {state: frozenset(targets) for state, targets in self.transitions.items()}
        unknown = {t for targets in table.values() for t in targets} - set(table)
        unknown |= set(self.any_to) - set(table)
        if unknown:
            raise ValueError(f"{self.resource}.{self.attribute}: moves to undeclared states "
                             f"{sorted(map(_name, unknown))}")
        object.__setattr__(self, "_table", table)

    @property
    def states(self) -> frozenset[State]:
        return frozenset(self._table)

    def can(self, current: State, new: State) -> bool:
        if current == new:
            return True
        if current not in self._table or new not in self._table:
            return False
        return new in self.any_to or new in self._table[current]

    def check(self, current: State, new: State, resource_id: str = "") -> State:
        """``new`` if ``current`` may move to it; a 409 naming both states otherwise."""
        if not self.can(current, new):
            raise IllegalTransition(resource=self.resource, id=resource_id or "",
                                    field=self.attribute, current=_name(current), new=_name(new))
        return new

    def start(self, state: State) -> State:
        """A state a new row may be created in."""
        if self.initial and state not in self.initial:
            raise IllegalTransition(resource=self.resource, id="", field=self.attribute,
                                    current="(new)", new=_name(state))
        return state

    def move(self, row: Any, new: State, id_attr: str = "id") -> State:
        """Set ``row.<attribute>`` to ``new`` after checking the move; returns the old state."""
        old: State = getattr(row, self.attribute)
        self.check(old, new, str(getattr(row, id_attr, "") or ""))
        setattr(row, self.attribute, new)
        return old

    def sources(self, new: State) -> frozenset[State]:
        """Every state from which ``new`` may be entered (for conditional updates in SQL)."""
        return frozenset(s for s in self._table if self.can(s, new))
