"""Accounts: ``GET``/``HEAD`` (stats and the container listing) and ``POST`` (metadata)."""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.object.api import quotas
from nimbus.object.api.common import (
    account_of,
    authorize,
    listing_query,
    reply,
    stats_headers,
    swift_view,
)
from nimbus.object.constants import ACCOUNT_LISTING_LIMIT
from nimbus.object.schemas import listing, metadata, queries
from nimbus.object.state import ObjectState

router = Router()
PATHS = ("/v1/{account}", "/v1/{account}/")
POLICY_STATS = "X-Account-Storage-Policy-Policy-0"


def read(req: ApiRequest[ObjectState]) -> Response:
    """Show the account's usage and metadata, and (GET) list its containers."""
    account = account_of(req)
    authorize(req, "object:account:get", account)
    accounts = req.svc.accounts
    info = accounts.account_info(account)
    headers = stats_headers({
        "X-Account-Container-Count": info.container_count,
        "X-Account-Object-Count": info.object_count,
        "X-Account-Bytes-Used": info.bytes_used,
        "X-Timestamp": info.created_ts,
        "X-Put-Timestamp": info.put_ts,
        "Accept-Ranges": "bytes",
    })
    if info.container_count:
        # Swift reports usage per storage policy in use; every container is in Policy-0.
        headers.update(stats_headers({
            f"{POLICY_STATS}-Container-Count": info.container_count,
            f"{POLICY_STATS}-Object-Count": info.object_count,
            f"{POLICY_STATS}-Bytes-Used": info.bytes_used,
        }))
    headers.update(metadata.to_headers(info.meta, "account"))
    fmt = listing.choose_format(req.args.get("format"), req.headers.get("accept"))
    content_type = listing.CONTENT_TYPES[fmt]
    if req.method == "HEAD":
        return reply(204, headers, content_type=content_type)
    items = accounts.list_containers(account, listing_query(req, ACCOUNT_LISTING_LIMIT))
    if not items and fmt == "plain":
        return reply(204, headers, content_type=content_type)
    body = listing.render(items, fmt, "account", account, "container")
    return reply(200, headers, body, content_type=content_type)


def update(req: ApiRequest[ObjectState]) -> Response:
    """Set or remove the account's metadata (``X-Account-Meta-*``)."""
    account = account_of(req)
    authorize(req, "object:account:post", account)
    refused = quotas.account_post(req, account)
    if refused is not None:
        return refused
    req.svc.accounts.update_account(account, metadata.updates(req.headers, "account"))
    return reply(204)


for _path in PATHS:
    # HEAD first: Starlette lets a GET route answer HEAD too, and HEAD takes no listing query.
    router.head(_path, status=204, query=queries.HEAD)(swift_view(read))
    router.get(_path, status=200, also=(204,), query=queries.ACCOUNT_LISTING,
               faults=(412,))(swift_view(read))
    router.post(_path, status=204)(swift_view(update))
