"""Helpers every block-storage API module shares: dual routes, scope, paging."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, H, Handler, Router
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import Forbidden
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.errors import InvalidInput
from nimbus.volume.state import VolumeState


class VolumeRouter(Router):
    """Every route answers both ``/v3/{project_id}/...`` and, since Yoga, ``/v3/...``.

    Both registrations carry the same declaration (body and query schemas, versions, faults),
    so the dispatcher checks them alike and the OpenAPI document lists both paths.
    """

    def route(self, path: str, methods: list[str], **options: Any) -> Callable[[H], H]:
        def register(func: H) -> H:
            wrapped = _checking_project(func)
            for full in (f"/v3{path}", f"/v3/{{project_id}}{path}"):
                super(VolumeRouter, self).route(full, methods, **options)(wrapped)
            return func

        return register


def _storable(req: ApiRequest[Any]) -> None:
    """Path segments and query values reach lookups and filters in SQL: one holding NUL, which
    no database stores (PostgreSQL refuses it outright), is the caller's 400."""
    for where, values in (("path", req.params.items()), ("query", req.query.multi_items())):
        for name, value in values:
            if "\x00" in str(value):
                raise InvalidInput(reason=f"The {where} value of {name} holds a NUL character.")


def _checking_project(func: Handler) -> Handler:
    @functools.wraps(func)
    def handler(req: ApiRequest[Any]) -> Any:
        _storable(req)
        path_project = req.params.pop("project_id", None)
        if (path_project and path_project != req.ctx.project_id and not all_projects(req)):
            # The token's project is the one Cinder acts in; naming another one is refused.
            raise Forbidden(f"Project {path_project} in the URL does not match the project of "
                            f"the token.", action="access another project")
        return func(req)

    return handler


def all_projects(req: ApiRequest[Any]) -> bool:
    """Admins and service users (compute's ``nova``) may act on any project's volumes."""
    return req.ctx.is_admin or "service" in req.ctx.roles


def scope(req: ApiRequest[VolumeState]) -> str | None:
    """The project a lookup is confined to; None for callers who may see every project."""
    return None if all_projects(req) else req.ctx.project_id


def listing_scope(req: ApiRequest[VolumeState], service_users_too: bool = False) -> str | None:
    """The project a listing shows: every project only when an admin (or, for attachments, a
    service user) asks with ``all_tenants``."""
    may = all_projects(req) if service_users_too else req.ctx.is_admin
    return None if may and req.args.get("all_tenants") else req.ctx.project_id


def ctx_dict(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    data = req.ctx.to_dict()
    data["all_projects"] = all_projects(req)
    return data


def base_url(req: ApiRequest[VolumeState]) -> str:
    return req.service_url


def sort_of(req: ApiRequest[VolumeState]) -> list[tuple[str, str]]:
    """``sort=key:dir,key2`` or the older single ``sort_key``/``sort_dir`` pair (descending
    unless told); the keys are checked against the resource's columns where it is listed."""
    pairs: list[tuple[str, str]] = []
    if req.args.get("sort"):
        pairs = paging.sort_pairs(str(req.args["sort"]), default_dir="desc")
    elif req.args.get("sort_key"):
        pairs = [(str(req.args["sort_key"]), str(req.args.get("sort_dir") or "desc").lower())]
    for _, direction in pairs:
        if direction not in ("asc", "desc"):
            raise InvalidInput(reason=f"Invalid sort direction {direction}.")
    return pairs


def page_query(req: ApiRequest[VolumeState]) -> PageQuery:
    """The page a listing asks for: ``limit`` (at most Cinder's 1000), ``marker``, sort keys,
    and Cinder's ``offset`` (rows skipped first)."""
    found = paging.page_query(req, sort=sort_of(req))
    text = req.args.get("offset")
    if text is None:
        return found
    try:
        offset = int(text)
    except ValueError:
        offset = -1
    if offset < 0:
        raise InvalidInput(reason=f"offset must be a non-negative integer, not '{text}'.")
    return dataclasses.replace(found, offset=offset)


def full_page(limit: int | None) -> int:
    """How many items make a page full, so that a next link follows (Cinder's rule)."""
    return MAX_PAGE if limit is None else min(limit, MAX_PAGE)


def next_link(req: ApiRequest[VolumeState], collection: str, items: list[dict[str, Any]],
              limit: int | None) -> list[dict[str, str]]:
    """The ``<collection>_links`` entry, present when the page is full, as Cinder writes it."""
    if not items or len(items) < full_page(limit):
        return []
    params = {k: v for k, v in req.query.multi_items() if k != "marker"}
    params["marker"] = items[-1]["id"]
    project = req.ctx.project_id
    href = f"{base_url(req)}/v3/{project}/{collection}?{urlencode(params)}"
    return [{"href": href, "rel": "next"}]
