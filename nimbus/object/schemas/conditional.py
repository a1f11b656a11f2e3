"""Conditional requests: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since."""

from __future__ import annotations

import math
from collections.abc import Mapping

from nimbus.object.errors import PreconditionFailed
from nimbus.object.schemas import dates


def _etags(value: str) -> list[str]:
    tags = []
    for raw in value.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return tags


def matches(value: str, etag: str) -> bool:
    tags = _etags(value)
    return "*" in tags or etag in tags


def not_modified(headers: Mapping[str, str], etag: str, timestamp: str) -> bool:
    """True when a GET/HEAD should be a 304; raises 412 when a precondition fails."""
    modified = math.ceil(float(timestamp))
    if_match = headers.get("if-match")
    if if_match is not None and not matches(if_match, etag):
        raise PreconditionFailed(reason="The If-Match precondition failed.")
    unmodified_since = headers.get("if-unmodified-since")
    if unmodified_since:
        when = dates.parse_http_date(unmodified_since)
        if when is not None and modified > when:
            raise PreconditionFailed(reason="The If-Unmodified-Since precondition failed.")
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return matches(if_none_match, etag)
    modified_since = headers.get("if-modified-since")
    if modified_since:
        when = dates.parse_http_date(modified_since)
        if when is not None and modified <= when:
            return True
    return False

