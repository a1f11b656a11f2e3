"""``/os-aggregates``: host aggregates, their hosts and metadata."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import aggregates as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()
BASE = f"{V}/os-aggregates"
ONE = f"{BASE}/{{aggregate_id}}"
RULE = "os_compute_api:os-aggregates:"


def _id(req: ApiRequest[ComputeState]) -> int:
    """The aggregate id in the path: an integer (400 otherwise), as Nova checks it."""
    raw = req.params["aggregate_id"]
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("Invalid input received: id must be an integer") from None
    if not -2**63 <= value < 2**63:
        # No row has it, and no database could even compare it.
        raise NotFound(f"Aggregate {raw} could not be found.")
    return value


@router.get(BASE)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the aggregates."""
    req.enforce(RULE + "index")
    return {"aggregates": [schemas.view(a, req.at_least) for a in req.svc.aggregates.all()]}


# Nova answers a create with 200, not 201.
@router.post(BASE, body=schemas.CREATE, faults=(409,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Create an aggregate, optionally an availability zone."""
    req.enforce(RULE + "create")
    body = req.json["aggregate"]
    made = req.svc.aggregates.create(body["name"], body.get("availability_zone"))
    return {"aggregate": schemas.view(made, req.at_least, created=True)}


@router.get(ONE)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show an aggregate with its hosts and metadata."""
    req.enforce(RULE + "show")
    return {"aggregate": schemas.view(req.svc.aggregates.get(_id(req)), req.at_least)}


@router.put(ONE, body=schemas.UPDATE, faults=(409,))
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Rename an aggregate or change its availability zone."""
    req.enforce(RULE + "update")
    aggregate_id = _id(req)
    body = req.json["aggregate"]
    name = body["name"].strip() if "name" in body else None
    updated = req.svc.aggregates.update(aggregate_id, name=name,
                                        zone=body.get("availability_zone"),
                                        set_zone="availability_zone" in body)
    return {"aggregate": schemas.view(updated, req.at_least)}


# Nova answers a delete with 200 and no body.
@router.delete(ONE)
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete an aggregate that holds no host."""
    req.enforce(RULE + "delete")
    req.svc.aggregates.delete(_id(req))


@router.post(f"{ONE}/action", body=schemas.ACTION, faults=(409,))
def action(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Add or remove a host, or set metadata."""
    name, args = next(iter(req.json.items()))
    manager = req.svc.aggregates
    if name == "add_host":
        req.enforce(RULE + "add_host")
        done = manager.add_host(_id(req), args["host"])
    elif name == "remove_host":
        req.enforce(RULE + "remove_host")
        done = manager.remove_host(_id(req), args["host"])
    elif name == "set_metadata":
        req.enforce(RULE + "set_metadata")
        done = manager.set_metadata(_id(req), dict(args["metadata"]))
    else:
        # Any other action is unknown to this API; only an admin learns that.
        req.enforce(RULE + "show")
        raise BadRequest(f"There is no such action: {name}")
    return {"aggregate": schemas.view(done, req.at_least)}
