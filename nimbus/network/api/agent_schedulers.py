"""Which agent hosts a router or serves a network: Neutron's l3_agent_scheduler and
dhcp_agent_scheduler extensions, for admins."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.state import NetworkState

router = Router()

_ROUTER_ID = {"type": "object", "required": ["router_id"], "additionalProperties": True,
              "properties": {"router_id": {"type": "string", "minLength": 1,
                                           "maxLength": 36}}}
_NETWORK_ID = {"type": "object", "required": ["network_id"], "additionalProperties": True,
               "properties": {"network_id": {"type": "string", "minLength": 1,
                                             "maxLength": 36}}}


@router.get("/v2.0/agents/{agent_id}/l3-routers")
def list_routers_on_agent(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The routers an L3 agent hosts."""
    req.enforce("get_l3-routers")
    return {"routers": req.svc.schedulers.routers_on(req.params["agent_id"])}


@router.post("/v2.0/agents/{agent_id}/l3-routers", status=201, body=_ROUTER_ID)
def add_router_to_agent(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Host a router on an L3 agent."""
    req.enforce("create_l3-router")
    req.svc.schedulers.add_router(req.params["agent_id"], req.json["router_id"])
    return {}


@router.delete("/v2.0/agents/{agent_id}/l3-routers/{router_id}", status=204)
def remove_router_from_agent(req: ApiRequest[NetworkState]) -> Reply:
    """Take a router off its L3 agent (it stays unhosted until given to one)."""
    req.enforce("delete_l3-router")
    req.svc.schedulers.remove_router(req.params["agent_id"], req.params["router_id"])
    return Reply(None, 204)


@router.get("/v2.0/routers/{router_id}/l3-agents")
def list_agents_of_router(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The L3 agents hosting a router."""
    req.enforce("get_l3-agents")
    return {"agents": req.svc.schedulers.agents_of_router(req.params["router_id"])}


@router.get("/v2.0/agents/{agent_id}/dhcp-networks")
def list_networks_on_agent(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The networks a DHCP agent serves."""
    req.enforce("get_dhcp-networks")
    return {"networks": req.svc.schedulers.networks_on(req.params["agent_id"])}


@router.post("/v2.0/agents/{agent_id}/dhcp-networks", status=201, body=_NETWORK_ID)
def add_network_to_agent(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Have a DHCP agent serve a network."""
    req.enforce("create_dhcp-network")
    req.svc.schedulers.add_network(req.params["agent_id"], req.json["network_id"])
    return {}


@router.delete("/v2.0/agents/{agent_id}/dhcp-networks/{network_id}", status=204)
def remove_network_from_agent(req: ApiRequest[NetworkState]) -> Reply:
    """Stop a DHCP agent serving a network."""
    req.enforce("delete_dhcp-network")
    req.svc.schedulers.remove_network(req.params["agent_id"], req.params["network_id"])
    return Reply(None, 204)


@router.get("/v2.0/networks/{network_id}/dhcp-agents")
def list_agents_of_network(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """The DHCP agents serving a network."""
    req.enforce("get_dhcp-agents")
    return {"agents": req.svc.schedulers.agents_of_network(req.params["network_id"])}
