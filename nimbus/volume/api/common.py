"""Helpers every block-storage API module shares: dual routes, scope, paging."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from nimbus.core.api.routing import ApiRequest, H, Handler, Router
from nimbus.core.errors import BadRequest, Forbidden
from nimbus.volume.manager import SORT_KEYS

MAX_LIMIT = 1000


class VolumeRouter(Router):
    """Every route answers both ``/v3/{project_id}/...`` and, since Yoga, ``/v3/...``."""

    def route(self, path: str, methods: list[str], **options: Any) -> Callable[[H], H]:
        def register(func: H) -> H:
            wrapped = _checking_project(func)
            for full in (f"/v3{path}", f"/v3/{{project_id}}{path}"):
                super(VolumeRouter, self).route(full, methods, **options)(wrapped)
            return func

        return register


def _checking_project(func: Handler) -> Handler:
    @functools.wraps(func)
    def handler(req: ApiRequest) -> Any:
        path_project = req.params.pop("project_id", None)
        if (path_project and path_project != req.ctx.project_id and not all_projects(req)):
            # The token's project is the one Cinder acts in; naming another one is refused.
            raise Forbidden(f"Project {path_project} in the URL does not match the project of "
                            f"the token.", action="access another project")
        return func(req)

    return handler


def all_projects(req: ApiRequest) -> bool:
    """Admins and service users (compute's ``nova``) may act on any project's volumes."""
    return req.ctx.is_admin or "service" in req.ctx.roles


def scope(req: ApiRequest) -> str | None:
    """The project a lookup is confined to; None for callers who may see every project."""
    return None if all_projects(req) else req.ctx.project_id


def ctx_dict(req: ApiRequest) -> dict[str, Any]:
    data = req.ctx.to_dict()
    data["all_projects"] = all_projects(req)
    return data


def base_url(req: ApiRequest) -> str:
    return req.service_url


def limit_marker(req: ApiRequest) -> tuple[int | None, str | None]:
    limit = req.query_int("limit", None, minimum=0)
    if limit is not None:
        limit = min(limit, MAX_LIMIT)
    marker = req.query.get("marker") or None
    return limit, marker


def sort_params(req: ApiRequest) -> list[tuple[str, str]]:
    """``sort=key:dir,key2`` or the older ``sort_key``/``sort_dir`` pair."""
    result: list[tuple[str, str]] = []
    if req.query.get("sort"):
        for part in req.query["sort"].split(","):
            key, _, direction = part.strip().partition(":")
            result.append((key.strip(), (direction or "desc").strip().lower()))
    elif req.query.get("sort_key"):
        result.append((req.query["sort_key"], (req.query.get("sort_dir") or "desc").lower()))
    for key, direction in result:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid input received: Invalid sort key {key}.")
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid input received: Invalid sort direction {direction}.")
    if result and all(k != "id" for k, _ in result):
        result.append(("id", result[-1][1]))
    return result


def next_link(req: ApiRequest, collection: str, items: list[dict[str, Any]],
              limit: int | None) -> list[dict[str, str]]:
    """The ``<collection>_links`` entry, present when a full page was returned."""
    if not items or limit is None or len(items) < limit:
        return []
    params = {k: v for k, v in req.query.multi_items() if k != "marker"}
    params["marker"] = items[-1]["id"]
    project = req.ctx.project_id
    href = f"{base_url(req)}/v3/{project}/{collection}?{urlencode(params)}"
    return [{"href": href, "rel": "next"}]
