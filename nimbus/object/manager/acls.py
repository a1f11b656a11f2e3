"""Container ACLs (``X-Container-Read``/``-Write``): who, besides the account's owners, gets in.

Entries are ``<project>:<user>`` (ids or names, ``*`` for any), a bare role name, or the
referrer forms ``.r:*`` (anyone may read objects) with ``.rlistings`` (and list them).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """Who asks, as an ACL entry may name them."""

    project_id: str | None
    project_name: str | None
    user_id: str | None
    user_name: str | None
    roles: Collection[str]


def grants(acl: str | None, caller: Caller, listing: bool) -> bool:
    """Whether ``acl`` lets ``caller`` in (to list the container when ``listing``)."""
    entries = [e.strip() for e in (acl or "").split(",") if e.strip()]
    if ".r:*" in entries and (not listing or ".rlistings" in entries):
        return True
    for entry in entries:
        if entry.startswith("."):
            continue
        project, sep, user = entry.partition(":")
        if not sep:
            if entry in caller.roles:
                return True
            continue
        if project in ("*", caller.project_id, caller.project_name) and \
                user in ("*", caller.user_id, caller.user_name):
            return True
    return False
