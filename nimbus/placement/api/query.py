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

_RESOURCE = re.compile(r"^([A-Z0-9_]+):(\d+)$")
_NAME = re.compile(r"^[A-Z0-9_]+$")
GROUP_STEMS = ("resources", "required", "member_of", "in_tree")


def check_query(req: ApiRequest[PlacementState], allowed: set[str],
                repeatable: set[str] | None = None, granular: bool = False) -> None:
    """Unknown or duplicated query parameters are a 400, as Placement's query schemas make them.

    ``granular`` admits suffixed groups (``resources1=``...), which only candidates accept.
    """
    repeatable = repeatable or set()
    for key in set(req.query.keys()):
        if key not in allowed and not (granular and _suffixed_allowed(key, allowed, req)):
            raise errors.BadRequest(
                f"Invalid query string parameters: Additional properties are not allowed "
                f"('{key}' was unexpected)")
        if len(req.query.getlist(key)) > 1 and not _repeatable(key, repeatable):
            raise errors.BadRequest(f"Query parameter {key!r} may be specified only once.",
                                    error_code=QUERY_DUPLICATE_KEY)


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
        match = _RESOURCE.match(part.strip())
        if not match:
            raise QueryBadValue(
                f"Badly formed {key} parameter. Expected {key} query string parameter in form: "
                f"?{key}=VCPU:2,MEMORY_MB:1024. Got: {text}.")
        rc, amount = match.group(1), int(match.group(2))
        if rc in found:
            raise QueryBadValue(f"Badly formed {key} parameter. The resource class {rc} is "
                                "repeated.")
        if amount < 1:
            raise QueryBadValue(f"Requested resource {rc} expected positive integer amount. "
                                f"Got: {amount}.")
        found[rc] = amount
    return found


def parse_traits(req: ApiRequest[PlacementState], values: list[str], key: str = "required"
                 ) -> tuple[list[frozenset[str]], set[str]]:
    """``required`` values: a list of any-of sets, plus the forbidden (``!``) traits."""
    required: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for value in values:
        if value.startswith("in:"):
            if not req.at_least("1.39"):
                raise QueryBadValue(f"Invalid query string parameters: Expected '{key}' "
                                    f"parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC."
                                    f" Got: {value}")
            names = [n.strip() for n in value[3:].split(",")]
            _check_names(names, key, value)
            required.append(frozenset(names))
            continue
        for name in (n.strip() for n in value.split(",")):
            if name.startswith("!") and req.at_least("1.22"):
                _check_names([name[1:]], key, value)
                forbidden.add(name[1:])
            else:
                _check_names([name], key, value)
                required.append(frozenset([name]))
    return required, forbidden


def _check_names(names: list[str], key: str, value: str) -> None:
    for name in names:
        if not _NAME.match(name):
            raise QueryBadValue(f"Invalid query string parameters: Expected '{key}' parameter "
                                f"value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. Got: {value}")


def parse_member_of(req: ApiRequest[PlacementState],
                    values: list[str]) -> tuple[list[frozenset[str]], set[str]]:
    """``member_of`` values: ``in:a,b`` or one uuid each; ``!`` forbids (1.32)."""
    required: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for value in values:
        negate = value.startswith("!") and req.at_least("1.32")
        text = value[1:] if negate else value
        any_of = text.startswith("in:")
        raw = text[3:].split(",") if any_of else [text]
        try:
            uuids = [normalise_uuid(u.strip()) for u in raw]
        except errors.BadRequest:
            raise QueryBadValue(f"Invalid query string parameters: Expected 'member_of' "
                                f"parameter to contain valid UUID(s). Got: {value}") from None
        if negate:
            forbidden.update(uuids)
        else:
            required.append(frozenset(uuids))
    return required, forbidden


def group_from_query(req: ApiRequest[PlacementState], suffix: str = "") -> RequestGroup:
    """The request group spelled by ``resources<suffix>``, ``required<suffix>``, etc."""
    group = RequestGroup(suffix=suffix)
    text = req.query.get(f"resources{suffix}")
    if text is not None:
        group.resources = parse_resources(text, f"resources{suffix}")
    traits = req.query.getlist(f"required{suffix}")
    if traits:
        group.required_traits, group.forbidden_traits = parse_traits(req, traits,
                                                                     f"required{suffix}")
    member_of = req.query.getlist(f"member_of{suffix}")
    if member_of:
        group.member_of, group.forbidden_aggregates = parse_member_of(req, member_of)
    in_tree = req.query.get(f"in_tree{suffix}")
    if in_tree is not None:
        try:
            group.in_tree = normalise_uuid(in_tree)
        except errors.BadRequest:
            raise QueryBadValue(f"Invalid uuid value: {in_tree}") from None
    return group
