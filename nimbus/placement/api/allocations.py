"""/allocations: what a consumer holds, set one consumer at a time (PUT) or many at once (POST)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.common import body, enforce, require_version, version
from nimbus.placement.manager.allocations import (
    INCOMPLETE_CONSUMER,
    UNSET,
    ConsumerAllocations,
)
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.schemas import allocations as schemas

router = Router()


def _consumer_uuid(req: ApiRequest) -> str:
    try:
        return normalise_uuid(req.params["consumer_uuid"])
    except errors.BadRequest:
        raise errors.BadRequest(
            f"Malformed consumer_uuid: '{req.params['consumer_uuid']}'.") from None


def _to_request(req: ApiRequest, consumer_uuid: str, data: dict[str, Any]) -> ConsumerAllocations:
    """One consumer's body (list form before 1.12, dict form after) as the manager wants it."""
    allocations: dict[str, dict[str, int]] = {}
    raw = data["allocations"]
    pairs = ([(item["resource_provider"]["uuid"], item["resources"]) for item in raw]
             if isinstance(raw, list) else [(k, v["resources"]) for k, v in raw.items()])
    for rp_uuid, resources in pairs:
        target = allocations.setdefault(normalise_uuid(rp_uuid), {})
        for rc, amount in resources.items():
            target[rc] = target.get(rc, 0) + amount
    return ConsumerAllocations(
        consumer_uuid=consumer_uuid,
        allocations=allocations,
        project_id=data.get("project_id", INCOMPLETE_CONSUMER),
        user_id=data.get("user_id", INCOMPLETE_CONSUMER),
        generation=data["consumer_generation"] if req.at_least("1.28") else UNSET,
        consumer_type=data.get("consumer_type"),
    )


@router.get("/allocations/{consumer_uuid}")
def show_allocations(req: ApiRequest) -> dict[str, Any]:
    enforce(req, "allocations:list")
    found = req.svc.allocations.of_consumer(_consumer_uuid(req))
    if found is None or not found["allocations"]:
        return {"allocations": {}}
    out: dict[str, Any] = {"allocations": found["allocations"]}
    if req.at_least("1.12"):
        out["project_id"] = found["project_id"]
        out["user_id"] = found["user_id"]
    if req.at_least("1.28"):
        out["consumer_generation"] = found["consumer_generation"]
    if req.at_least("1.38"):
        out["consumer_type"] = found["consumer_type"]
    return out


@router.put("/allocations/{consumer_uuid}", status=204)
def put_allocations(req: ApiRequest) -> None:
    enforce(req, "allocations:update")
    consumer_uuid = _consumer_uuid(req)
    data = body(req, schemas.put_allocations(version(req)))
    req.svc.allocations.replace([_to_request(req, consumer_uuid, data)])


@router.post("/allocations", status=204)
def post_allocations(req: ApiRequest) -> None:
    enforce(req, "allocations:manage")
    require_version(req, "1.13")
    data = body(req, schemas.post_allocations(version(req)))
    wanted = [_to_request(req, normalise_uuid(uuid), item) for uuid, item in data.items()]
    req.svc.allocations.replace(wanted)


@router.delete("/allocations/{consumer_uuid}", status=204)
def delete_allocations(req: ApiRequest) -> None:
    enforce(req, "allocations:delete")
    req.svc.allocations.delete(_consumer_uuid(req))
