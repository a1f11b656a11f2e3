"""/v2.0/agents: Neutron's ``agent`` extension, for admins."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.schemas import agents as schemas
from nimbus.network.state import NetworkState

router = Router()


def _matches(agent: dict[str, Any], key: str, wanted: list[str]) -> bool:
    value = agent.get(key)
    if isinstance(value, bool):
        return str(value).lower() in {w.lower() for w in wanted}
    if key == "agent_type":
        return str(value).lower() in {w.lower() for w in wanted}
    return str(value) in wanted


@router.get("/v2.0/agents")
def list_agents(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the agents of every host, with whether each is alive. As in Neutron, the policy
    is checked per agent: a caller who may see none gets an empty list, not a 403."""
    if not req.decide("get_agent"):
        return {"agents": []}
    found = req.svc.agents.listing()
    for key in schemas.FILTERS:
        wanted = req.query.getlist(key)
        if wanted:
            found = [a for a in found if _matches(a, key, wanted)]
    fields = shape.fields_of(req)
    return {"agents": [shape.select_fields(a, fields) for a in found]}


@router.get("/v2.0/availability_zones")
def list_availability_zones(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the zones networks and routers may be hinted to, from the agents' zones."""
    req.enforce("get_availability_zone")
    found = req.svc.agents.zones()
    for key in ("name", "resource", "state"):
        wanted = req.query.getlist(key)
        if wanted:
            found = [z for z in found if z[key] in wanted]
    fields = shape.fields_of(req)
    return {"availability_zones": [shape.select_fields(z, fields) for z in found]}


@router.get("/v2.0/agents/{agent_id}", faults=(404,))
def show_agent(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show one agent."""
    shape.enforce_seen(req, "get_agent", seen="get_agent")
    agent = req.svc.agents.get(req.params["agent_id"])
    return {"agent": shape.select_fields(agent, shape.fields_of(req))}


@router.put("/v2.0/agents/{agent_id}", body=schemas.UPDATE, faults=(404,))
def update_agent(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Take an agent down or up, or describe it."""
    shape.enforce_seen(req, "update_agent", seen="get_agent")
    changes = shape.updated(req, "agent", schemas.ATTRIBUTES)
    return {"agent": req.svc.agents.update(req.params["agent_id"], changes)}


@router.delete("/v2.0/agents/{agent_id}", status=204, faults=(404,))
def delete_agent(req: ApiRequest[NetworkState]) -> Reply:
    """Forget an agent (one that still runs reports itself again)."""
    shape.enforce_seen(req, "delete_agent", seen="get_agent")
    req.svc.agents.delete(req.params["agent_id"])
    return Reply(None, 204)
