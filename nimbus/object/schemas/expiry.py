"""The object headers kept beside user metadata: ``X-Delete-At``/``-After`` and ``X-Object-Manifest``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from nimbus.core.errors import BadRequest

MAX_MANIFEST_LENGTH = 2048
# Swift keeps expiry times to ten digits: a later one is taken as this (the year 2286).
MAX_DELETE_AT = 9_999_999_999


def delete_at(headers: Mapping[str, str]) -> int | None:
    """When the object expires (seconds since the epoch), from either header; None for never.

    ``X-Delete-After`` (seconds from now) wins over ``X-Delete-At``, as Swift turns the former
    into the latter. Both must be integers; a time beyond ``MAX_DELETE_AT`` is taken as that,
    as Swift does, and one not after now is refused: the object would be gone at once.
    """
    now = time.time()
    after = headers.get("x-delete-after")
    if after is not None:
        seconds = _integer(after, "Non-integer X-Delete-After")
        when = min(int(now) + seconds, MAX_DELETE_AT) if seconds > 0 else int(now)
        if when <= now:
            raise BadRequest("X-Delete-After in past")
        return when
    at = headers.get("x-delete-at")
    if at is None or at.strip() == "":
        return None
    when = max(0, min(_integer(at, "Non-integer X-Delete-At"), MAX_DELETE_AT))
    if when <= now:
        raise BadRequest("X-Delete-At in past")
    return when


def _integer(value: str, message: str) -> int:
    # ``int`` refuses more than 4,300 digits with a ValueError too.
    try:
        return int(value)
    except ValueError:
        raise BadRequest(message) from None


def manifest(headers: Mapping[str, str]) -> str | None:
    """A dynamic large object's ``<container>/<prefix>``, kept as given (still quoted)."""
    value = headers.get("x-object-manifest")
    if value is None:
        return None
    container, sep, _prefix = value.lstrip("/").partition("/")
    if not sep or not container or len(value) > MAX_MANIFEST_LENGTH:
        raise BadRequest("X-Object-Manifest must be in the format container/prefix")
    try:
        # Headers arrive decoded as Latin-1: these are the bytes the client sent.
        named = unquote_to_bytes(value.encode("latin-1")).decode("utf-8")
    except (UnicodeError, ValueError):
        named = "\x00"
    if "\x00" in named:
        raise BadRequest("X-Object-Manifest must name a container and prefix in UTF-8")
    return value.lstrip("/")
