"""Neutron's list requests and answers: the paging, sorting and filter parameters read into what
the managers take, and the page written back with ``fields=`` and ``<collection>_links``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from nimbus.core.api.request import ApiRequest
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.api.attributes import fields_of, hidden, select_fields, strip
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas.listing import NOT_FILTERS
from nimbus.network.state import NetworkState


@dataclass(frozen=True)
class ListRequest:
    query: PageQuery
    filters: dict[str, list[str]]
    hidden: frozenset[str]
    # Paging is on when a limit or a marker is given: only then come links.
    paged: bool
    limit: int


def _sort(req: ApiRequest[NetworkState]) -> list[tuple[str, str]]:
    keys: list[str] = req.args.get("sort_key", [])
    dirs: list[str] = req.args.get("sort_dir", [])
    if dirs and len(dirs) != len(keys):
        raise HTTPBadRequest("The number of sort_keys and sort_dirs must be same")
    dirs = dirs or ["asc"] * len(keys)
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise HTTPBadRequest(f"{direction} is invalid value for sort_dirs, valid value is "
                                 "'asc' and 'desc'")
    return list(zip(keys, dirs, strict=True))


def read(req: ApiRequest[NetworkState], resource: str, sortable: bool = True) -> ListRequest:
    """What the request asks of a list of ``resource``; ``req.args`` holds it, checked."""
    limit: int = req.args.get("limit") or 0
    marker: str | None = req.args.get("marker") or None
    paged = bool(limit or marker)
    # A bare ``page_reverse`` (no value) asks for it, as Neutron reads booleans.
    reverse = "page_reverse" in req.args and req.args["page_reverse"] in (True, None)
    filters = {k: v for k, v in req.args.items() if k not in NOT_FILTERS}
    query = PageQuery(limit=limit or None, marker=marker,
                      sort=tuple(_sort(req)) if sortable else (),
                      reverse=reverse and paged)
    return ListRequest(query, filters, hidden(req, resource), paged, limit)


def answer(req: ApiRequest[NetworkState], resource: str, collection: str, page: Page[dict[str, Any]],
           wanted: ListRequest, key: str = "id") -> dict[str, Any]:
    """The list body: the page's items as the caller may see them, and links when paged (an
    item's ``key`` is the marker of the pages next to it)."""
    items = [strip(req, resource, item) for item in page.items]
    body: dict[str, Any] = {}
    if wanted.paged:
        links = []
        if items and page.more:
            links.append({"rel": "next", "href": _href(req, wanted.limit, str(items[-1][key]),
                                                       reverse=False)})
        if items and page.previous:
            links.append({"rel": "previous", "href": _href(req, wanted.limit, str(items[0][key]),
                                                           reverse=True)})
        body[f"{collection}_links"] = links
    fields = fields_of(req)
    body[collection] = [select_fields(item, fields) for item in items]
    return body


def _href(req: ApiRequest[NetworkState], limit: int, marker: str, reverse: bool) -> str:
    params = [(k, v) for k, v in req.query.multi_items()
              if k not in ("marker", "page_reverse", "limit")]
    if limit:
        params.append(("limit", str(limit)))
    params.append(("marker", marker))
    if reverse:
        params.append(("page_reverse", "True"))
    return f"{req.host_url}{req.path}?{urlencode(params)}"
