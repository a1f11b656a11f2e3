"""/allocations: what a consumer holds, set one consumer at a time (PUT) or many at once (POST)."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.manager.allocations import (
    INCOMPLETE_CONSUMER,
    UNSET,
    ConsumerAllocations,
)
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.schemas import allocations as schemas
from nimbus.placement.state import PlacementState

router = Router()


def _consumer_uuid(req: ApiRequest[PlacementState]) -> str:
    try:
        return normalise_uuid(req.params["consumer_uuid"])
    except errors.BadRequest:
        raise errors.BadRequest(
            f"Malformed consumer_uuid: '{req.params['consumer_uuid']}'.") from None


def to_request(req: ApiRequest[PlacementState], consumer_uuid: str,
                data: dict[str, Any]) -> ConsumerAllocations:
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


@router.get("/allocations/{consumer_uuid}", policy="placement:allocations:list")
def show_allocations(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """Show what a consumer holds."""
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


@router.put("/allocations/{consumer_uuid}", status=204, body=schemas.PUT, faults=(409,),
            policy="placement:allocations:update")
def put_allocations(req: ApiRequest[PlacementState]) -> None:
    """Replace what one consumer holds."""
    consumer_uuid = _consumer_uuid(req)
    data = req.json
    req.svc.allocations.replace([to_request(req, consumer_uuid, data)])


@router.post("/allocations", status=204, min_version="1.13", body=schemas.POST, faults=(409,),
             policy="placement:allocations:manage")
def post_allocations(req: ApiRequest[PlacementState]) -> None:
    """Replace what several consumers hold, all or nothing."""
    data = req.json
    wanted = [to_request(req, normalise_uuid(uuid), item) for uuid, item in data.items()]
    req.svc.allocations.replace(wanted)


@router.delete("/allocations/{consumer_uuid}", status=204, faults=(409,),
               policy="placement:allocations:delete")
def delete_allocations(req: ApiRequest[PlacementState]) -> None:
    """Remove everything a consumer holds."""
    req.svc.allocations.delete(_consumer_uuid(req))
