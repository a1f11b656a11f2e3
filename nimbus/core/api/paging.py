"""Reading paging parameters from a request, and writing the links to the next page.

The services spell sorting differently (Nova's repeated ``sort_key``/``sort_dir``, Cinder's and
Glance's ``sort=key:dir,...``); each spelling is read here into one ``PageQuery`` that
``core/db/paging.page`` runs in SQL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.validation import Schema
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest

# The query parameters every paged list declares (``routing``'s ``query=``).
PAGING_QUERY: dict[str, Schema] = {
    "limit": {"type": "integer", "minimum": 0},
    "marker": {"type": "string", "maxLength": 255},
    "sort_key": {"type": "array", "items": {"type": "string", "maxLength": 255}},
    "sort_dir": {"type": "array", "items": {"type": "string", "enum": ["asc", "desc"]}},
}
SORT_QUERY: dict[str, Schema] = {"sort": {"type": "string", "maxLength": 1024}}


def limit_of(req: ApiRequest[Any]) -> int | None:
    value = req.args.get("limit") if "limit" in req.args else req.query.get("limit")
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"Invalid value '{value}' for query parameter 'limit'.") from None
    if number < 0:
        raise BadRequest("Query parameter 'limit' must be >= 0.")
    return number


def key_dir_pairs(req: ApiRequest[Any], default_dir: str = "asc") -> list[tuple[str, str]]:
    """Repeated ``sort_key`` with matching ``sort_dir`` (Nova, Neutron)."""
    keys = [k for v in req.query.getlist("sort_key") for k in v.split(",") if k]
    dirs = [d.lower() for v in req.query.getlist("sort_dir") for d in v.split(",") if d]
    if dirs and len(dirs) > len(keys):
        raise BadRequest("The number of sort_keys and sort_dirs must be same")
    return [(key, dirs[i] if i < len(dirs) else (dirs[-1] if dirs else default_dir))
            for i, key in enumerate(keys)]


def sort_pairs(text: str, default_dir: str = "desc") -> list[tuple[str, str]]:
    """``sort=key1:dir1,key2`` (Cinder, Glance)."""
    pairs = []
    for part in text.split(","):
        key, _, direction = part.strip().partition(":")
        if key.strip():
            pairs.append((key.strip(), (direction or default_dir).strip().lower()))
    return pairs


def page_query(req: ApiRequest[Any], *, sort: list[tuple[str, str]] | None = None,
               reverse: bool = False) -> PageQuery:
    marker = req.query.get("marker") or None
    return PageQuery(limit=limit_of(req), marker=marker,
                     sort=tuple(sort if sort is not None else key_dir_pairs(req)),
                     reverse=reverse)


def next_href(req: ApiRequest[Any], marker: str, base: str | None = None,
              drop: tuple[str, ...] = ("marker",), **extra: str) -> str:
    """This request's URL with ``marker`` (and ``extra``) in place of its own paging params."""
    params: list[tuple[str, Any]] = [(k, v) for k, v in req.query.multi_items()
                                     if k not in drop and k not in extra]
    params.extend(extra.items())
    params.append(("marker", marker))
    return f"{base or req.host_url + req.path}?{urlencode(params)}"
