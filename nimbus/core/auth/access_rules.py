"""Application-credential access rules: which service, method and path a token may reach.

A rule's path matches segment by segment; ``*`` matches one segment and ``**`` any number. A
token restricted by access rules may make only the requests some rule allows (keystonemiddleware
answers 401 otherwise).
"""

from __future__ import annotations

from typing import Any


def _match(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    return (head == "*" or head == path[0]) and _match(rest, path[1:])


def allowed(rules: list[dict[str, Any]], service_types: set[str], method: str, path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    for rule in rules:
        if rule.get("service") not in service_types:
            continue
        if str(rule.get("method", "")).upper() != method.upper():
            continue
        if _match([s for s in str(rule.get("path", "")).split("/") if s], segments):
            return True
    return False
