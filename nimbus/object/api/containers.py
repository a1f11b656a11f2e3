"""Containers: create, stats and listing, metadata and ACLs, delete."""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest
from nimbus.object.api import container_features
from nimbus.object.api.common import (
    account_of,
    authorize,
    authorize_in_container,
    listing_query,
    reply,
    stats_headers,
    swift_view,
)
from nimbus.object.constants import CONTAINER_LISTING_LIMIT
from nimbus.object.manager.acls import clean
from nimbus.object.schemas import dates, listing, metadata, queries
from nimbus.object.schemas.constraints import check_container_name
from nimbus.object.state import ObjectState

router = Router()
PATH = "/v1/{account}/{container}"


def _acls(req: ApiRequest[ObjectState]) -> dict[str, str | None]:
    acls: dict[str, str | None] = {}
    for kind in ("read", "write"):
        if f"x-remove-container-{kind}" in req.headers:
            acls[kind] = None
        if f"x-container-{kind}" in req.headers:
            try:
                acls[kind] = clean(kind, req.headers[f"x-container-{kind}"]) or None
            except ValueError as err:
                raise BadRequest(str(err)) from None
    return acls


def read(req: ApiRequest[ObjectState]) -> Response:
    """Show the container's usage, metadata and ACLs, and (GET) list its objects."""
    account, name = account_of(req), req.params["container"]
    owner = authorize_in_container(req, "object:container:get", account, name, "read", True)
    containers = req.svc.containers
    info = containers.container_info(account, name)
    headers = stats_headers({
        "X-Container-Object-Count": info.object_count,
        "X-Container-Bytes-Used": info.bytes_used,
        "X-Timestamp": info.created_ts,
        "X-Put-Timestamp": info.put_ts,
        "Last-Modified": dates.http_date(info.put_ts),
        "X-Storage-Policy": "Policy-0",
        "Accept-Ranges": "bytes",
        # Only the account's owners see who else may get in.
        "X-Container-Read": info.read_acl if owner else None,
        "X-Container-Write": info.write_acl if owner else None,
    })
    headers.update(metadata.to_headers(info.meta, "container"))
    headers.update(container_features.headers(info, owner))
    fmt = listing.choose_format(req.args.get("format"), req.headers.get("accept"))
    content_type = listing.CONTENT_TYPES[fmt]
    if req.method == "HEAD":
        return reply(204, headers, content_type=content_type)
    special = container_features.listing(req, account, name, headers)
    if special is not None:
        return special
    items = containers.list_objects(account, name, listing_query(req, CONTAINER_LISTING_LIMIT))
    if not items and fmt == "plain":
        return reply(204, headers, content_type=content_type)
    body = listing.render(items, fmt, "container", name, "object")
    return reply(200, headers, body, content_type=content_type)


def create(req: ApiRequest[ObjectState]) -> Response:
    """Create the container (201), or update its metadata and ACLs if it exists (202)."""
    account, name = account_of(req), req.params["container"]
    authorize(req, "object:container:put", account)
    check_container_name(name)
    features = container_features.check(req, account, name)
    if isinstance(features, Response):
        return features
    created = req.svc.containers.create_container(
        account, name, metadata.updates(req.headers, "container"), _acls(req))
    container_features.apply(req, account, name, features)
    return reply(201 if created else 202)


def update(req: ApiRequest[ObjectState]) -> Response:
    """Set or remove the container's metadata and ACLs."""
    account, name = account_of(req), req.params["container"]
    authorize(req, "object:container:post", account)
    features = container_features.check(req, account, name)
    if isinstance(features, Response):
        return features
    req.svc.containers.update_container(
        account, name, metadata.updates(req.headers, "container"), _acls(req))
    container_features.apply(req, account, name, features)
    return reply(204)


def delete(req: ApiRequest[ObjectState]) -> Response:
    """Delete the container; 409 while it holds objects."""
    account, name = account_of(req), req.params["container"]
    authorize(req, "object:container:delete", account)
    container_features.before_delete(req, account, name)
    req.svc.objects.reap_expired(account, name)
    req.svc.containers.delete_container(account, name)
    container_features.after_delete(req, account, name)
    return reply(204)


# HEAD first: Starlette lets a GET route answer HEAD too, and HEAD takes no listing query.
# Public, as objects are: ``.r:*,.rlistings`` lets anyone list the container.
router.head(PATH, status=204, query=queries.HEAD, public=True)(swift_view(read))
router.get(PATH, status=200, also=(204,), query=queries.CONTAINER_LISTING,
           faults=(412,), public=True)(swift_view(read))
router.put(PATH, status=201, also=(202,))(swift_view(create))
# Public: a form post to the container needs no token (``api/formpost``).
router.post(PATH, status=204, public=True)(swift_view(update))
router.delete(PATH, status=204, faults=(409,))(swift_view(delete))
