"""The mapping engine: an identity provider's assertion in, a local user, groups and projects out.

Semantics follow Keystone's mapping rules: every rule whose ``remote`` conditions all hold
contributes its ``local`` objects, with ``{N}`` replaced by the N-th value-producing remote
condition (a bare ``type``, or one filtered by ``whitelist``/``blacklist``). The first mapped
user wins; groups and projects accumulate over all matching rules.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nimbus.identity.constants import CONDITIONS, EPHEMERAL, LOCAL
from nimbus.identity.errors import MappingFailed

__all__ = ["CONDITIONS", "EPHEMERAL", "LOCAL", "Mapped", "MappingFailed", "process"]
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")


@dataclass
class Mapped:
    user: dict[str, Any]
    group_ids: list[str] = field(default_factory=list)
    group_names: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def user_type(self) -> str:
        return str(self.user.get("type", EPHEMERAL))


def normalise(raw: Mapping[str, Any]) -> dict[str, list[str]]:
    """Attribute -> list of values; a string holding ``;`` carries several values (mod_shib)."""
    out: dict[str, list[str]] = {}
    for name, value in raw.items():
        if value is None:
            continue
        if isinstance(value, str):
            out[name] = value.split(";")
        elif isinstance(value, list | tuple):
            out[name] = [_text(v) for v in value if v is not None]
        else:
            out[name] = [_text(value)]
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _key(name: str) -> str:
    # Header names reach us case-folded and proxies swap '_' for '-': compare leniently.
    return name.lower().replace("-", "_")


class Assertion:
    """An assertion with exact, then case- and dash-insensitive attribute lookup."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.values = normalise(raw)
        self._folded = {_key(k): v for k, v in self.values.items()}

    def get(self, name: str) -> list[str] | None:
        if name in self.values:
            return self.values[name]
        return self._folded.get(_key(name))


def _hit(patterns: list[str], value: str, regex: bool) -> bool:
    if regex:
        return any(re.search(p, value) for p in patterns)
    return value in patterns


def match_remote(remote: list[dict[str, Any]], assertion: Assertion) -> list[list[str]] | None:
    """The direct-map values of a rule whose conditions all hold; None when one fails."""
    maps: list[list[str]] = []
    for cond in remote:
        values = assertion.get(str(cond["type"]))
        if not values:
            return None
        regex = bool(cond.get("regex", False))
        if "any_one_of" in cond:
            if not any(_hit(cond["any_one_of"], v, regex) for v in values):
                return None
            continue
        if "not_any_of" in cond:
            if any(_hit(cond["not_any_of"], v, regex) for v in values):
                return None
            continue
        if "blacklist" in cond:
            values = [v for v in values if not _hit(cond["blacklist"], v, regex)]
        elif "whitelist" in cond:
            values = [v for v in values if _hit(cond["whitelist"], v, regex)]
        maps.append(values)
    return maps


def _value(maps: list[list[str]], index: int) -> str | list[str]:
    if index >= len(maps):
        raise MappingFailed(f"The mapping refers to remote match {{{index}}}, which does not "
                            f"exist.")
    found = maps[index]
    return found[0] if len(found) == 1 else list(found)


def substitute(template: Any, maps: list[list[str]]) -> Any:
    """``template`` with every ``{N}`` replaced; a bare ``"{N}"`` keeps a list of values."""
    if isinstance(template, dict):
        return {k: substitute(v, maps) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, maps) for v in template]
    if not isinstance(template, str):
        return template
    whole = re.fullmatch(r"\{(\d+)\}", template)
    if whole:
        return _value(maps, int(whole.group(1)))

    def repl(m: re.Match[str]) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        found = _value(maps, int(m.group(1)))
        return found if isinstance(found, str) else str(found)

    return _PLACEHOLDER.sub(repl, template)


def _as_list(value: Any) -> list[Any]:
    """A list from a mapped value: a list, a Python/JSON list literal, or one item."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list):
            return parsed
    return [] if value in (None, "") else [value]


def _group_ref(item: Any, domain: Any) -> dict[str, Any]:
    if isinstance(item, str) and item.startswith("JSON:"):
        try:
            item = json.loads(item[len("JSON:"):])
        except ValueError:
            raise MappingFailed(f"Invalid group reference {item!r} in the mapping.") from None
    if isinstance(item, dict):
        if not item.get("name") or not isinstance(item.get("domain"), dict):
            raise MappingFailed("A mapped group needs a name and a domain.")
        return {"name": str(item["name"]), "domain": item["domain"]}
    if not isinstance(domain, dict):
        raise MappingFailed("Mapped 'groups' need a 'domain' alongside them.")
    return {"name": str(item), "domain": domain}


def transform(locals_: list[dict[str, Any]]) -> Mapped:
    user: dict[str, Any] | None = None
    result = Mapped(user={})
    for item in locals_:
        if "user" in item and user is None:
            user = dict(item["user"])
        group = item.get("group")
        if isinstance(group, dict):
            if group.get("id"):
                result.group_ids.append(str(group["id"]))
            else:
                result.group_names.append(_group_ref(group, None))
        if "groups" in item:
            for name in _as_list(item["groups"]):
                result.group_names.append(_group_ref(name, item.get("domain")))
        if "group_ids" in item:
            result.group_ids.extend(str(g) for g in _as_list(item["group_ids"]))
        for project in item.get("projects") or []:
            result.projects.append(project)
    if not user:
        raise MappingFailed("Could not map any federated user properties to identity values.")
    for key in ("id", "name", "email"):
        if isinstance(user.get(key), list):
            raise MappingFailed(f"The mapping gave the user several values for '{key}'.")
    user.setdefault("type", EPHEMERAL)
    if user["type"] not in (EPHEMERAL, LOCAL):
        raise MappingFailed(f"User type {user['type']} is not supported.")
    if not (user.get("id") or user.get("name")):
        raise MappingFailed("The mapped user has neither a name nor an id.")
    result.user = user
    result.group_ids = list(dict.fromkeys(result.group_ids))
    return result


def process(rules: list[dict[str, Any]], raw_assertion: Mapping[str, Any]) -> Mapped:
    """Apply ``rules`` (already schema-checked) to an assertion; MappingFailed when nothing maps."""
    assertion = Assertion(raw_assertion)
    produced: list[dict[str, Any]] = []
    for rule in rules:
        maps = match_remote(rule["remote"], assertion)
        if maps is None:
            continue
        produced.extend(substitute(local, maps) for local in rule["local"])
    return transform(produced)
