"""The scheduler hints the filters act on, as the request spec keeps them: each hint a list
(``{"same_host": ["<uuid>"]}``, whether the request gave one value or a list).

``same_host`` and ``different_host`` name servers; the scheduler looks up where those run
once per request (``where``) and keeps it in the spec as ``hinted_hosts``:
``{hint: {host: [uuids there]}}``, for the hints the request gave.
"""

from __future__ import annotations

from typing import Any

# The hints that name servers whose hosts a filter compares with each candidate.
SERVER_HINTS = ("same_host", "different_host")


def values(spec: dict[str, Any], name: str) -> list[Any]:
    """The values the request gave for hint ``name`` (none: [])."""
    found = (spec.get("scheduler_hints") or {}).get(name)
    if found is None:
        return []
    return list(found) if isinstance(found, (list, tuple)) else [found]


def servers_named(spec: dict[str, Any]) -> dict[str, list[str]]:
    """The servers each of ``SERVER_HINTS`` names, for those the request gave a value. A value
    that is no server id (the API lets any through) is kept: it names no server."""
    named = {}
    for hint in SERVER_HINTS:
        given = [v if isinstance(v, str) else repr(v) for v in values(spec, hint)]
        if given:
            named[hint] = given
    return named


def where(named: dict[str, list[str]], hosts: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """``hinted_hosts`` from the servers each hint names and ``hosts`` ({uuid: host})."""
    found: dict[str, dict[str, list[str]]] = {}
    for hint, uuids in named.items():
        on: dict[str, list[str]] = {}
        for uuid in uuids:
            host = hosts.get(uuid)
            if host:
                on.setdefault(host, []).append(uuid)
        found[hint] = on
    return found


def hinted_hosts(spec: dict[str, Any], hint: str) -> dict[str, list[str]] | None:
    """Where the servers ``hint`` names run ({host: [uuids]}), or None when the request did not
    give that hint. A hint nobody looked up runs nowhere: a filter then refuses rather than
    ignores what was asked."""
    found = (spec.get("hinted_hosts") or {}).get(hint)
    if isinstance(found, dict):
        return found
    return {} if values(spec, hint) else None
