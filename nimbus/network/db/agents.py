"""Queries on the network agents' rows: one per agent type and host, kept by its heartbeat."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.network.db.models import Agent, NetworkDhcpAgent, RouterL3Agent
from nimbus.network.errors import AgentNotFound


def get(s: Session, agent_id: str) -> Agent:
    row = s.get(Agent, agent_id)
    if row is None:
        raise AgentNotFound(id=agent_id)
    return row


def find(s: Session, agent_type: str, host: str) -> Agent | None:
    return s.scalar(select(Agent).filter_by(agent_type=agent_type, host=host))


def listing(s: Session) -> Sequence[Agent]:
    return s.scalars(select(Agent).order_by(Agent.host, Agent.agent_type)).all()


def routers_of(s: Session, agent_id: str) -> list[str]:
    return list(s.scalars(select(RouterL3Agent.router_id).filter_by(agent_id=agent_id)))


def agents_of_router(s: Session, router_id: str) -> list[str]:
    return list(s.scalars(select(RouterL3Agent.agent_id).filter_by(router_id=router_id)))


def networks_of(s: Session, agent_id: str) -> list[str]:
    return list(s.scalars(select(NetworkDhcpAgent.network_id).filter_by(agent_id=agent_id)))


def agents_of_network(s: Session, network_id: str) -> list[str]:
    return list(s.scalars(select(NetworkDhcpAgent.agent_id).filter_by(network_id=network_id)))


def forget(s: Session, agent_id: str) -> None:
    """An agent's bindings, when its record goes."""
    for model in (RouterL3Agent, NetworkDhcpAgent):
        for row in s.scalars(select(model).filter_by(agent_id=agent_id)):
            s.delete(row)
