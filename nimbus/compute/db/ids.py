"""Ids from paths and request bodies, before they reach a query."""

from __future__ import annotations


def storable_id(value: str, longest: int = 255) -> bool:
    """Whether ``value`` could be an id a column holds. One with NUL (which PostgreSQL refuses
    in any query) or longer than its column names nothing, so it is never looked up."""
    return isinstance(value, str) and len(value) <= longest and "\x00" not in value
