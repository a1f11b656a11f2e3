"""User metadata carried in headers: ``X-<Kind>-Meta-<Name>`` and ``X-Remove-<Kind>-Meta-<Name>``.

Names are kept lower-case (HTTP header names are case-insensitive) and given back title-cased,
the way Swift's responses show them.
"""

from __future__ import annotations

from collections.abc import Mapping

from nimbus.object.schemas.constraints import check_metadata


def updates(headers: Mapping[str, str], kind: str) -> dict[str, str]:
    """Metadata changes in ``headers``: name → value, where "" means remove it."""
    prefix = f"x-{kind}-meta-"
    remove = f"x-remove-{kind}-meta-"
    changes: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith(prefix):
            changes[lower[len(prefix):]] = value.strip()
        elif lower.startswith(remove):
            changes[lower[len(remove):]] = ""
    return changes


def merged(current: Mapping[str, str], changes: Mapping[str, str], kind: str) -> dict[str, str]:
    """``current`` with ``changes`` applied, checked against Swift's limits."""
    result = dict(current)
    for name, value in changes.items():
        if value == "":
            result.pop(name, None)
        else:
            result[name] = value
    check_metadata(result, kind)
    return result


def fresh(headers: Mapping[str, str], kind: str) -> dict[str, str]:
    """The metadata a PUT or an object POST sets: exactly what the headers give."""
    return merged({}, updates(headers, kind), kind)


def to_headers(meta: Mapping[str, str], kind: str) -> dict[str, str]:
    title = kind.title()
    return {f"X-{title}-Meta-{_title(name)}": value for name, value in meta.items()}


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))
