"""Containers: create, stats and listing, metadata and ACLs, delete."""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.object import timeutil
from nimbus.object.api.common import (
    account_of,
    authorize,
    authorize_in_container,
    listing_query,
    reply,
    stats_headers,
    swift_view,
)
from nimbus.object.schemas import listing, metadata
from nimbus.object.schemas.constraints import CONTAINER_LISTING_LIMIT, check_container_name

router = Router()
PATH = "/v1/{account}/{container}"


def _acls(req: ApiRequest) -> dict[str, str | None]:
    acls: dict[str, str | None] = {}
    for kind in ("read", "write"):
        if f"x-remove-container-{kind}" in req.headers:
            acls[kind] = None
        if f"x-container-{kind}" in req.headers:
            acls[kind] = req.headers[f"x-container-{kind}"].strip() or None
    return acls


def read(req: ApiRequest) -> Response:
    account, name = account_of(req), req.params["container"]
    owner = authorize_in_container(req, "object:container:get", account, name, "read", True)
    mgr = req.svc.manager
    info = mgr.container_info(account, name)
    headers = stats_headers({
        "X-Container-Object-Count": info.object_count,
        "X-Container-Bytes-Used": info.bytes_used,
        "X-Timestamp": info.created_ts,
        "X-Put-Timestamp": info.put_ts,
        "Last-Modified": timeutil.http_date(info.put_ts),
        "X-Storage-Policy": "Policy-0",
        "Accept-Ranges": "bytes",
        # Only the account's owners see who else may get in.
        "X-Container-Read": info.read_acl if owner else None,
        "X-Container-Write": info.write_acl if owner else None,
    })
    headers.update(metadata.to_headers(info.meta, "container"))
    fmt = listing.choose_format(req.query, req.headers.get("accept"))
    content_type = listing.CONTENT_TYPES[fmt]
    if req.method == "HEAD":
        return reply(204, headers, content_type=content_type)
    items = mgr.list_objects(account, name, listing_query(req, CONTAINER_LISTING_LIMIT, True))
    if not items and fmt == "plain":
        return reply(204, headers, content_type=content_type)
    body = listing.render(items, fmt, "container", name, "object")
    return reply(200, headers, body, content_type=content_type)


def create(req: ApiRequest) -> Response:
    account, name = account_of(req), req.params["container"]
    authorize(req, "object:container:put", account)
    check_container_name(name)
    created = req.svc.manager.create_container(
        account, name, metadata.updates(req.headers, "container"), _acls(req))
    return reply(201 if created else 202)


def update(req: ApiRequest) -> Response:
    account, name = account_of(req), req.params["container"]
    authorize(req, "object:container:post", account)
    req.svc.manager.update_container(
        account, name, metadata.updates(req.headers, "container"), _acls(req))
    return reply(204)


def delete(req: ApiRequest) -> Response:
    account, name = account_of(req), req.params["container"]
    authorize(req, "object:container:delete", account)
    req.svc.manager.delete_container(account, name)
    return reply(204)


router.route(PATH, ["GET", "HEAD"])(swift_view(read))
router.route(PATH, ["PUT"])(swift_view(create))
router.route(PATH, ["POST"])(swift_view(update))
router.route(PATH, ["DELETE"])(swift_view(delete))
