"""User metadata carried in headers: ``X-<Kind>-Meta-<Name>`` and ``X-Remove-<Kind>-Meta-<Name>``.

Names are kept lower-case (HTTP header names are case-insensitive) and given back title-cased,
the way Swift's responses show them. For accounts and containers an empty value removes the
item; an object keeps it, empty, as Swift's object server does, and only ``X-Remove-`` drops it.

An object also keeps the few plain headers Swift lets a PUT or POST set (its
``allowed_headers``: ``Content-Disposition``, ``Content-Encoding``...). They live beside the
user metadata under a ``:`` prefix that no ``X-Object-Meta-`` name can carry, so that a POST
replaces them and a copy carries them exactly as it does the metadata.
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
    if kind == "object":
        return object_merged({}, headers)
    return merged({}, updates(headers, kind), kind)


# Swift's default ``allowed_headers`` of the object server.
ALLOWED_HEADERS = ("content-disposition", "content-encoding", "cache-control",
                   "content-language", "expires", "x-robots-tag")
_PLAIN = ":"


def object_merged(current: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, str]:
    """An object's metadata (and allowed headers) ``current`` with the request's changes."""
    result = dict(current)
    prefix, remove = "x-object-meta-", "x-remove-object-meta-"
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith(prefix):
            result[lower[len(prefix):]] = value.strip()
        elif lower.startswith(remove):
            result.pop(lower[len(remove):], None)
        elif lower in ALLOWED_HEADERS:
            result[_PLAIN + lower] = value.strip()
    check_metadata(user_only(result), "object")
    return result


def user_only(meta: Mapping[str, str]) -> dict[str, str]:
    """The user metadata of ``meta``, without an object's allowed headers."""
    return {k: v for k, v in meta.items() if not k.startswith(_PLAIN)}


def to_headers(meta: Mapping[str, str], kind: str) -> dict[str, str]:
    title = kind.title()
    found = {f"X-{title}-Meta-{_title(name)}": value for name, value in user_only(meta).items()}
    found.update({_title(name[len(_PLAIN):]): value for name, value in meta.items()
                  if name.startswith(_PLAIN)})
    return found


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))
