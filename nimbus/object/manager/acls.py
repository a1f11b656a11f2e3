"""Container ACLs (``X-Container-Read``/``-Write``): who, besides the account's owners, gets in.

Entries are ``<project>:<user>`` (ids or names, ``*`` for any), a bare role name, or (read ACLs
only) referrer designations: ``.r:*`` (any referrer), ``.r:example.com`` (one host),
``.r:.example.com`` (a domain), each negated with a leading ``-`` and applied in order; they let
anyone whose ``Referer`` passes read objects, and list them too with ``.rlistings``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

_REFERRER_FORMS = (".r", ".ref", ".referer", ".referrer")


@dataclass(frozen=True)
class Caller:
    """Who asks, as an ACL entry may name them."""

    project_id: str | None
    project_name: str | None
    user_id: str | None
    user_name: str | None
    roles: Collection[str]


def clean(header: str, value: str) -> str:
    """The ACL as stored: entries trimmed, empty ones dropped, referrer forms shortened to
    ``.r:``. ``ValueError`` (Swift's 400 wording) for an ACL Swift refuses."""
    entries: list[str] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if ":" not in entry:
            entries.append(entry)
            continue
        first, second = (part.strip() for part in entry.split(":", 1))
        if not first or not first.startswith("."):
            entries.append(entry)
        elif first in _REFERRER_FORMS:
            if "write" in header.lower():
                raise ValueError(f"Referrers not allowed in write ACL: {entry!r}")
            negate = second.startswith("-")
            if negate:
                second = second[1:].strip()
            if second and second != "*" and second.startswith("*"):
                second = second[1:].strip()  # ``*.example.com`` means the domain
            if not second or second == ".":
                raise ValueError("No host/domain value after referrer designation in ACL: "
                                 f"{entry!r}")
            entries.append(f".r:{'-' if negate else ''}{second}")
        else:
            raise ValueError(f"Unknown designator {first!r} in ACL: {entry!r}")
    return ",".join(entries)


def referrer_allowed(referrer: str | None, designations: list[str]) -> bool:
    """Whether a request with this ``Referer`` passes the ``.r:`` designations, in order."""
    allowed = False
    host = urlparse(referrer or "").hostname or "unknown"
    for designation in designations:
        negate = designation.startswith("-")
        match = designation[1:] if negate else designation
        hit = (match == "*" and not negate) or match == host or \
            (match.startswith(".") and host.endswith(match))
        if hit:
            allowed = not negate
    return allowed


def grants(acl: str | None, caller: Caller, listing: bool, referrer: str | None = None,
           referrers: bool = True) -> bool:
    """Whether ``acl`` lets ``caller`` in (to list the container when ``listing``).

    ``referrers`` False (a write ACL) ignores referrer designations, should one have been
    stored before they were refused there."""
    entries = [e.strip() for e in (acl or "").split(",") if e.strip()]
    designations = [e[3:] for e in entries if e.startswith(".r:")]
    if referrers and designations and referrer_allowed(referrer, designations) and \
            (not listing or ".rlistings" in entries):
        return True
    if caller.user_id is None:
        return False  # only referrers let in a caller without a (valid) token, never ``*:*``
    for entry in entries:
        if entry.startswith("."):
            continue
        project, sep, user = (unquote(part) for part in entry.partition(":"))
        if not sep:
            if entry in caller.roles:
                return True
            continue
        if project in ("*", caller.project_id, caller.project_name) and \
                user in ("*", caller.user_id, caller.user_name):
            return True
    return False
