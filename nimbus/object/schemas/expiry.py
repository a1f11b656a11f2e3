"""The object headers kept beside user metadata: ``X-Delete-At``/``-After`` and ``X-Object-Manifest``."""

from __future__ import annotations

import time
from collections.abc import Mapping

from nimbus.core.errors import BadRequest

MAX_MANIFEST_LENGTH = 2048


def delete_at(headers: Mapping[str, str]) -> int | None:
    """When the object expires (seconds since the epoch), from either header; None for never.

    ``X-Delete-After`` (seconds from now) wins over ``X-Delete-At``, as Swift turns the former
    into the latter. A time already past is refused: the object would be gone at once.
    """
    now = time.time()
    after = headers.get("x-delete-after")
    if after is not None:
        try:
            seconds = int(after)
        except ValueError:
            raise BadRequest("Non-integer X-Delete-After") from None
        if seconds < 0:
            raise BadRequest("X-Delete-After in past")
        return int(now + seconds)
    at = headers.get("x-delete-at")
    if at is None or at.strip() == "":
        return None
    try:
        when = int(float(at))
    except ValueError:
        raise BadRequest("Non-integer X-Delete-At") from None
    if when <= now:
        raise BadRequest("X-Delete-At in past")
    return when


def manifest(headers: Mapping[str, str]) -> str | None:
    """A dynamic large object's ``<container>/<prefix>``, kept as given (still quoted)."""
    value = headers.get("x-object-manifest")
    if value is None:
        return None
    container, sep, _prefix = value.lstrip("/").partition("/")
    if not sep or not container or len(value) > MAX_MANIFEST_LENGTH:
        raise BadRequest("X-Object-Manifest must be in the format container/prefix")
    return value.lstrip("/")
