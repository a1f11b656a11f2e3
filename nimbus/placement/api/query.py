"""Reading Placement's query strings: request groups, resource and trait expressions.

The route's query schema has already checked each declared parameter's type; what is left here
needs the microversion (which parameters exist yet, which may repeat, suffixed groups) or reads
the expressions inside the values.
"""

from __future__ import annotations

import re

from nimbus.core import errors
from nimbus.core.api.request import ApiRequest
from nimbus.placement.errors import QUERY_DUPLICATE_KEY, QueryBadValue
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.manager.providers import RequestGroup
from nimbus.placement.state import PlacementState

_CLASS = re.compile(r"^[A-Z0-9_]+$")
GROUP_STEMS = ("resources", "required", "member_of", "in_tree")


def check_query(req: ApiRequest[PlacementState], allowed: set[str],
                repeatable: set[str] | None = None, granular: bool = False) -> None:
    """Unknown or duplicated query parameters are a 400, as Placement's query schemas make them.

    ``granular`` admits suffixed groups (``resources1=``...), which only candidates accept.
    """
    repeatable = repeatable or set()
    for key in set(req.query.keys()):
        if key not in allowed and not (granular and _suffixed_allowed(key, allowed, req)):
            if granular and req.at_least("1.25"):
                # Placement's schema matches suffixed groups by pattern from 1.25.
                raise errors.BadRequest(
                    f"Invalid query string parameters: '{key}' does not match any of the "
                    f"regexes: {', '.join(repr(p) for p in _patterns(allowed, req))}")
            raise errors.BadRequest(
                f"Invalid query string parameters: Additional properties are not allowed "
                f"('{key}' was unexpected)")
        if len(req.query.getlist(key)) > 1 and not _repeatable(key, repeatable):
            raise errors.BadRequest(f"Query parameter {key!r} may be specified only once.",
                                    error_code=QUERY_DUPLICATE_KEY)


def _patterns(allowed: set[str], req: ApiRequest[PlacementState]) -> list[str]:
    tail = r"[a-zA-Z0-9_-]{1,64}" if req.at_least("1.33") else r"[1-9][0-9]*"
    return sorted(f"^{stem}({tail})?$" for stem in GROUP_STEMS if stem in allowed)


def _suffixed_allowed(key: str, allowed: set[str], req: ApiRequest[PlacementState]) -> bool:
    if not req.at_least("1.25"):
        return False
    for stem in GROUP_STEMS:
        if stem in allowed and key.startswith(stem):
            suffix = key[len(stem):]
            limit = 64 if req.at_least("1.33") else None
            pattern = r"^[a-zA-Z0-9_-]+$" if req.at_least("1.33") else r"^[1-9][0-9]*$"
            if re.match(pattern, suffix) and (limit is None or len(suffix) <= limit):
                return True
    return False


def _repeatable(key: str, repeatable: set[str]) -> bool:
    return any(key.startswith(stem) for stem in repeatable)


def parse_resources(text: str, key: str = "resources") -> dict[str, int]:
    found: dict[str, int] = {}
    for part in text.split(","):
        rc, sep, raw = part.strip().partition(":")
        if not sep or not _CLASS.match(rc):
            raise QueryBadValue(
                f"Badly formed {key} parameter. Expected {key} query string parameter in form: "
                f"?{key}=VCPU:2,MEMORY_MB:1024. Got: {part.strip() if text else 'empty string'}.")
        try:
            amount = int(raw)
        except ValueError:
            raise QueryBadValue(f"Requested resource {rc} expected positive integer amount. "
                                f"Got: {raw}.") from None
        if amount < 1:
            raise QueryBadValue(f"Requested resource {rc} requires amount >= 1. Got: {amount}.")
        if rc in found:
            raise QueryBadValue(f"Badly formed {key} parameter. The resource class {rc} is "
                                "repeated.")
        found[rc] = amount
    return found


def parse_traits(req: ApiRequest[PlacementState], values: list[str], key: str = "required"
                 ) -> tuple[list[frozenset[str]], set[str]]:
    """``required`` values: a list of any-of sets, plus the forbidden (``!``) traits.

    Forbidden traits came with 1.22; ``in:`` any-of sets and repeating the parameter with 1.39
    (before it, the last value counts).
    """
    allow_forbidden, allow_any = req.at_least("1.22"), req.at_least("1.39")
    required: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for value in values if allow_any else values[-1:]:
        if value.startswith("in:") and not allow_any:
            raise QueryBadValue("The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported "
                                "since microversion 1.39.")
        if allow_any and value.startswith("in:"):
            any_of = {name.strip() for name in value[3:].split(",")}
            if not all(any_of):
                raise QueryBadValue(f"Invalid query string parameters: Expected '{key}' "
                                    f"parameter value of the form: in:HW_CPU_X86_VMX,"
                                    f"CUSTOM_MAGIC. Got an empty trait in: {value}")
            if any(name.startswith("!") for name in any_of):
                raise QueryBadValue(f"Invalid query string parameters: The format "
                                    f"'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support "
                                    f"forbidden traits. Got: {value}")
            required.append(frozenset(any_of))
            continue
        names = [name.strip() for name in value.split(",")]
        banned = {name[1:] for name in names if name.startswith("!")}
        form = "HW_CPU_X86_VMX,!CUSTOM_MAGIC" if allow_forbidden else "HW_CPU_X86_VMX,CUSTOM_MAGIC"
        if not all(names) or not all(banned):
            raise QueryBadValue(f"Invalid query string parameters: Expected '{key}' parameter "
                                f"value of the form: {form}. Got an empty trait in: {value}")
        if banned and not allow_forbidden:
            raise QueryBadValue(f"Invalid query string parameters: Expected '{key}' parameter "
                                f"value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: {value}")
        required.extend(frozenset({name}) for name in names if not name.startswith("!"))
        forbidden |= banned
    return required, forbidden


def parse_member_of(req: ApiRequest[PlacementState], values: list[str],
                    key: str = "member_of") -> tuple[list[frozenset[str]], set[str]]:
    """``member_of`` values: ``in:a,b`` or one uuid each; ``!`` forbids (1.32); several
    parameters are all required (1.24)."""
    if len(values) > 1 and not req.at_least("1.24"):
        raise errors.BadRequest(f"Multiple {key} parameters are not supported")
    required: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for value in values:
        if "," in value and not value.startswith(("in:", "!in:")):
            raise errors.BadRequest(f"Multiple values for 'member_of' must be prefixed with "
                                    f"the 'in:' or '!in:' keyword using the valid "
                                    f"microversion. Got: {value}")
        negate = value.startswith("!")
        text = value[1:] if negate else value
        raw = text[3:].split(",") if text.startswith("in:") else [text]
        try:
            uuids = frozenset(normalise_uuid(u.strip()) for u in raw)
        except errors.BadRequest:
            bad = next(u for u in raw if not _is_uuid(u.strip()))
            raise errors.BadRequest(f"Invalid query string parameters: Expected 'member_of' "
                                    f"parameter to contain valid UUID(s). Got: {bad}") from None
        if negate:
            if not req.at_least("1.32"):
                raise errors.BadRequest(f"Forbidden {key} parameters are not supported in the "
                                        f"specified microversion")
            forbidden |= uuids
        else:
            required.append(uuids)
    return required, forbidden


def _is_uuid(value: str) -> bool:
    try:
        normalise_uuid(value)
    except errors.BadRequest:
        return False
    return True


def group_from_query(req: ApiRequest[PlacementState], suffix: str = "") -> RequestGroup:
    """The request group spelled by ``resources<suffix>``, ``required<suffix>``, etc."""
    group = RequestGroup(suffix=suffix)
    text = req.query.get(f"resources{suffix}")
    if text is not None:
        group.resources = parse_resources(text, f"resources{suffix}")
    traits = req.query.getlist(f"required{suffix}")
    if traits:
        group.required_traits, group.forbidden_traits = parse_traits(req, traits)
    member_of = req.query.getlist(f"member_of{suffix}")
    if member_of:
        group.member_of, group.forbidden_aggregates = parse_member_of(
            req, member_of, f"member_of{suffix}")
    in_tree = req.query.get(f"in_tree{suffix}")
    if in_tree is not None:
        try:
            group.in_tree = normalise_uuid(in_tree)
        except errors.BadRequest:
            raise QueryBadValue(f"Invalid query string parameters: Expected 'in_tree' "
                                f"parameter to be a format of uuid. Got: {in_tree}") from None
    return group
