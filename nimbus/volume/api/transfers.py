"""Volume transfers: ``/os-volume-transfer`` and its v3 twin ``/volume-transfers``.

Both answer alike (views follow the microversion on either); the v3 one takes ``no_snapshots``
from 3.55 and, from 3.59, lists newest first unless told otherwise. A project lists and shows
its own offers; any project may accept one, knowing its id and auth key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.api.validation import Schema, Versioned
from nimbus.volume.api.common import (
    VolumeRouter,
    base_url,
    listing_scope,
    next_link,
    page_query,
    scope,
)
from nimbus.volume.schemas import transfers as schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()

LEGACY = "os-volume-transfer"
V3 = "volume-transfers"
PAGINATION_VERSION = "3.59"
ENCRYPTED_VERSION = "3.70"

Handler = Callable[[ApiRequest[VolumeState]], Any]


def _detail(req: ApiRequest[VolumeState], transfer: dict[str, Any]) -> dict[str, Any]:
    return schema.detail(transfer, base_url(req), str(req.ctx.project_id), req.at_least)


def _listing(collection: str, detailed: bool) -> Handler:
    def handler(req: ApiRequest[VolumeState]) -> dict[str, Any]:
        req.enforce("volume:get_all_transfers")
        query = page_query(req)
        newest_first = collection == V3 and req.at_least(PAGINATION_VERSION)
        found = req.svc.transfers.listing(listing_scope(req), req.args.get("name") or None,
                                          query, newest_first)
        if detailed:
            items = [_detail(req, t) for t in found.items]
        else:
            items = [schema.summary(t, base_url(req), str(req.ctx.project_id))
                     for t in found.items]
        result: dict[str, Any] = {"transfers": items}
        links = next_link(req, f"{collection}/detail" if detailed else collection, items,
                          query.limit)
        if links:
            result["transfers_links"] = links
        return result

    handler.__doc__ = f"List volume transfers{' with details' if detailed else ''}."
    return handler


def _create(req: ApiRequest[VolumeState]) -> Reply:
    spec = req.json["transfer"]
    vol = req.svc.volumes.get(spec["volume_id"], scope(req))
    req.enforce("volume:create_transfer", target={"project_id": vol["project_id"]})
    name = spec.get("name")
    made = req.svc.transfers.create(
        vol["id"], None, name.strip() if isinstance(name, str) else None,
        to_bool(spec.get("no_snapshots", False), "no_snapshots"),
        allow_encrypted=req.at_least(ENCRYPTED_VERSION))
    return Reply({"transfer": {**_detail(req, made), "auth_key": made["auth_key"]}},
                 status=202)


def _show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    req.enforce("volume:get_transfer")
    return {"transfer": _detail(req, req.svc.transfers.get(req.params["transfer_id"],
                                                           scope(req)))}


def _accept(req: ApiRequest[VolumeState]) -> Reply:
    req.enforce("volume:accept_transfer")
    done = req.svc.transfers.accept(req.params["transfer_id"],
                                    str(req.json["accept"]["auth_key"]),
                                    str(req.ctx.project_id), req.ctx.user_id)
    return Reply({"transfer": schema.summary(done, base_url(req), str(req.ctx.project_id))},
                 status=202)


def _delete(req: ApiRequest[VolumeState]) -> Reply:
    transfer = req.svc.transfers.get(req.params["transfer_id"], scope(req))
    req.enforce("volume:delete_transfer", target={"project_id": transfer["source_project_id"]})
    req.svc.transfers.delete(transfer["id"], None)
    return Reply(None, status=202)


def _routes(collection: str, create_body: Schema | Versioned) -> None:
    path = f"/{collection}"
    router.get(path, query=schema.LIST_QUERY)(_listing(collection, detailed=False))
    router.get(f"{path}/detail", query=schema.LIST_QUERY)(_listing(collection, detailed=True))
    router.post(path, status=202, body=create_body, faults=(404,))(_create)
    router.get(f"{path}/{{transfer_id}}")(_show)
    router.post(f"{path}/{{transfer_id}}/accept", status=202, body=schema.ACCEPT,
                faults=(413,))(_accept)
    router.delete(f"{path}/{{transfer_id}}", status=202)(_delete)


_routes(LEGACY, schema.CREATE_LEGACY)
_routes(V3, schema.CREATE)
