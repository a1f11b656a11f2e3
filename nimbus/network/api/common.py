"""What every resource API shares: filters, fields, sorting, pagination and attribute policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from nimbus.core.api.context import RequestContext
from nimbus.core.api.routing import ApiRequest
from nimbus.network.errors import HTTPBadRequest

_RESERVED = {"fields", "limit", "marker", "page_reverse", "sort_key", "sort_dir", "tags",
             "tags-any", "not-tags", "not-tags-any", "fixed_ips"}


def fields_of(req: ApiRequest) -> list[str]:
    out: list[str] = []
    for value in req.query.getlist("fields"):
        out.extend(v for v in value.split(",") if v)
    return out


def select_fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in fields} if fields else item


def strip(req: ApiRequest, resource: str, item: dict[str, Any]) -> dict[str, Any]:
    """Drop attributes the caller may not see (``get_port:binding:host_id`` and friends)."""
    names = req.enforcer.rule_names
    hidden = [k for k in item if f"get_{resource}:{k}" in names
              and not req.allowed(f"get_{resource}:{k}", item)]
    return {k: v for k, v in item.items() if k not in hidden}


def show(req: ApiRequest, resource: str, item: dict[str, Any]) -> dict[str, Any]:
    return {resource: select_fields(strip(req, resource, item), fields_of(req))}


def enforce_attrs(req: ApiRequest, action: str, attrs: dict[str, Any],
                  target: dict[str, Any]) -> None:
    """Enforce ``action`` and each ``action:attr[:sub]`` rule the request's attributes touch."""
    req.enforce(action, target)
    names = req.enforcer.rule_names
    for key, value in attrs.items():
        rule = f"{action}:{key}"
        if rule in names:
            req.enforce(rule, target)
        subs: list[dict[str, Any]] = []
        if isinstance(value, dict):
            subs = [value]
        elif isinstance(value, list):
            subs = [v for v in value if isinstance(v, dict)]
        for sub in subs:
            for subkey in sub:
                if f"{rule}:{subkey}" in names:
                    req.enforce(f"{rule}:{subkey}", target)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _matches(item: dict[str, Any], key: str, wanted: list[str]) -> bool:
    value = item[key]
    wanted_l = [w.lower() if isinstance(item[key], bool) else w for w in wanted]
    if isinstance(value, list):
        return any(_text(v) in wanted_l for v in value)
    if value is None:
        return any(w in ("", "None", "null") for w in wanted_l)
    return _text(value) in wanted_l


def _fixed_ips_match(item: dict[str, Any], specs: list[str]) -> bool:
    for spec in specs:
        key, _, value = spec.partition("=")
        ips = item.get("fixed_ips") or []
        if key == "ip_address_substr":
            if not any(value in ip["ip_address"] for ip in ips):
                return False
        elif key in ("ip_address", "subnet_id"):
            if not any(ip[key] == value for ip in ips):
                return False
        else:
            raise HTTPBadRequest(attr="fixed_ips", reason=f"'{spec}' is not a valid filter")
    return True


def _tags_match(req: ApiRequest, item: dict[str, Any]) -> bool:
    tags = set(item.get("tags") or [])

    def wanted(name: str) -> set[str] | None:
        values = [t for v in req.query.getlist(name) for t in v.split(",") if t]
        return set(values) if values else None

    all_of, any_of = wanted("tags"), wanted("tags-any")
    not_all, not_any = wanted("not-tags"), wanted("not-tags-any")
    return ((all_of is None or all_of <= tags) and (any_of is None or bool(any_of & tags))
            and (not_all is None or not not_all <= tags)
            and (not_any is None or not (not_any & tags)))


def filtered(req: ApiRequest, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items matching every ``attr=value`` query filter (repeats of one attr are OR'ed)."""
    keys = [k for k in dict.fromkeys(req.query.keys()) if k not in _RESERVED]
    out = []
    for item in items:
        if not all(k not in item or _matches(item, k, req.query.getlist(k)) for k in keys):
            continue
        if "fixed_ips" in req.query and not _fixed_ips_match(item, req.query.getlist("fixed_ips")):
            continue
        if not _tags_match(req, item):
            continue
        out.append(item)
    return out


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))


def _sorter(key: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda item: _sort_value(item.get(key))


def sorted_items(req: ApiRequest, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = req.query.getlist("sort_key")
    dirs = req.query.getlist("sort_dir")
    if dirs and len(dirs) != len(keys):
        raise HTTPBadRequest("The number of sort_keys and sort_dirs must be same")
    if not keys:
        return items
    dirs = dirs or ["asc"] * len(keys)
    for key, direction in zip(keys, dirs, strict=True):
        if direction not in ("asc", "desc"):
            raise HTTPBadRequest(f"{direction} is invalid value for sort_dirs, valid value "
                                 "is 'asc' and 'desc'")
        if items and key not in items[0]:
            raise HTTPBadRequest(f"{key} is invalid attribute for sort_keys")
    out = sorted(items, key=lambda i: str(i.get("id")))
    for key, direction in reversed(list(zip(keys, dirs, strict=True))):
        out.sort(key=_sorter(key), reverse=direction == "desc")
    return out


def listing(req: ApiRequest, resource: str, collection: str,
            items: list[dict[str, Any]]) -> dict[str, Any]:
    """The list response: filtered, sorted, paginated with ``<collection>_links``, trimmed."""
    items = sorted_items(req, filtered(req, [strip(req, resource, i) for i in items]))
    limit = req.query_int("limit", default=0) or 0
    marker = req.query.get("marker")
    reverse = (req.query_bool("page_reverse", default=False) or False) and bool(limit or marker)
    body: dict[str, Any] = {}
    if limit or marker:
        if not req.query.getlist("sort_key"):
            items = sorted(items, key=lambda i: str(i.get("id")))
        index = None
        if marker:
            index = next((n for n, i in enumerate(items) if i.get("id") == marker), None)
            if index is None:
                raise HTTPBadRequest(f"Marker {marker} could not be found")
        size = limit or len(items)
        if reverse:
            end = index if index is not None else len(items)
            start = max(0, end - size)
            page, has_prev, has_next = items[start:end], start > 0, index is not None
        else:
            start = index + 1 if index is not None else 0
            page = items[start:start + size]
            has_next, has_prev = start + size < len(items), index is not None
        links = []
        if page and has_next:
            links.append({"rel": "next", "href": _page_url(req, limit, page[-1]["id"], False)})
        if page and has_prev:
            links.append({"rel": "previous",
                          "href": _page_url(req, limit, page[0]["id"], True)})
        items = page
        body[f"{collection}_links"] = links
    fields = fields_of(req)
    body[collection] = [select_fields(i, fields) for i in items]
    return body


def _page_url(req: ApiRequest, limit: int, marker: str, reverse: bool) -> str:
    params = [(k, v) for k, v in req.query.multi_items()
              if k not in ("marker", "page_reverse", "limit")]
    if limit:
        params.append(("limit", str(limit)))
    params.append(("marker", marker))
    if reverse:
        params.append(("page_reverse", "True"))
    return f"{req.host_url}{req.path}?{urlencode(params)}"


def bodies(req: ApiRequest, resource: str, collection: str) -> tuple[list[dict[str, Any]], bool]:
    """The resource objects of a create: one, or a bulk ``{"<collection>": [...]}``."""
    body = req.body_dict()
    if isinstance(body.get(collection), list):
        items = body[collection]
        if not items or not all(isinstance(i, dict) for i in items):
            raise HTTPBadRequest(f"Resources required in '{collection}' must be objects")
        return items, True
    if not isinstance(body.get(resource), dict):
        raise HTTPBadRequest(f"Unable to find '{resource}' in request body")
    return [body[resource]], False


def update_body(req: ApiRequest, resource: str) -> dict[str, Any]:
    body = req.body_dict()
    if not isinstance(body.get(resource), dict):
        raise HTTPBadRequest(f"Unable to find '{resource}' in request body")
    return body[resource]


def network_target(req: ApiRequest, item: dict[str, Any], as_caller: bool) -> dict[str, Any]:
    """A policy target for something on a network: its own attributes plus the network's owner
    and sharing. ``as_caller`` looks the network up as the caller (a create: unknown or
    invisible networks are a 404 before policy); otherwise as the service."""
    ctx = req.ctx if as_caller else RequestContext.admin()
    net = req.svc.manager.get_network(ctx, item["network_id"])
    return {"project_id": item.get("project_id") or req.ctx.project_id,
            "network:project_id": net["project_id"], "shared": net["shared"],
            "router:external": net["router:external"], **item}
