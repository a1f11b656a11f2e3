"""The dependency graph of a stack's resources: what each one needs made first.

A resource depends on those its properties, metadata and ``depends_on`` name. Creation walks
the graph forwards, deletion backwards; resources with nothing between them go side by side.
"""

from __future__ import annotations

from typing import Any

from nimbus.orchestration.template import functions
from nimbus.orchestration.template.definition import ResourceDefinition
from nimbus.orchestration.template.errors import StackValidationFailed
from nimbus.orchestration.template.versions import Version


class CircularDependency(StackValidationFailed):
    pass


def requirements(defs: dict[str, ResourceDefinition], version: Version) -> dict[str, set[str]]:
    """For each resource, the resources it needs."""
    names = set(defs)
    found: dict[str, set[str]] = {}
    for name, defn in defs.items():
        needs: set[str] = set(defn.depends_on)
        snippets: list[Any] = [defn.properties, defn.metadata]
        for snippet in snippets:
            needs |= functions.dependencies(snippet, version, names)
        found[name] = {n for n in needs if n in names and n != name}
    _check_cycles(found)
    return found


def _check_cycles(needs: dict[str, set[str]]) -> None:
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(needs.get(name, ())):
            if state.get(other) == 1:
                cycle = trail[trail.index(other):] + [other] if other in trail else [name, other]
                raise CircularDependency(
                    "Circular Dependency Found: " + ", ".join(cycle))
            if state.get(other) is None:
                visit(other, [*trail, other])
        state[name] = 2

    for name in sorted(needs):
        if name not in state:
            visit(name, [name])


def required_by(needs: dict[str, set[str]]) -> dict[str, set[str]]:
    """The reverse: for each resource, those that need it."""
    found: dict[str, set[str]] = {n: set() for n in needs}
    for name, wanted in needs.items():
        for other in wanted:
            found.setdefault(other, set()).add(name)
    return found


def order(needs: dict[str, set[str]]) -> list[str]:
    """One creation order (stable: by name among equals)."""
    done: list[str] = []
    seen: set[str] = set()
    pending = sorted(needs)
    while pending:
        ready = [n for n in pending if needs[n] <= seen]
        if not ready:
            break
        for name in ready:
            done.append(name)
            seen.add(name)
        pending = [n for n in pending if n not in seen]
    return done
