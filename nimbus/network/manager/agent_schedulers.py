"""Which agent hosts what: Neutron's l3_agent_scheduler and dhcp_agent_scheduler.

A router is hosted by one L3 agent and a network served by the DHCP agents it is bound to;
an agent realises only what it hosts. A router that gains an interface or a gateway while no
agent hosts it is scheduled to the live, enabled L3 agent with the fewest routers; an agent
that starts takes every router and network with a data plane that nothing hosts (so a router
made before any agent ran is not forgotten), and the DHCP agent does so at each sync, as
Neutron's network_auto_schedule. An admin may move either by hand: a router taken off its
agent stays unhosted until it is given to one, or changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.network import errors as nerr
from nimbus.network.db import agents as db_agents
from nimbus.network.db import networks as network_db
from nimbus.network.db import routers as router_db
from nimbus.network.db.models import Agent, Network, NetworkDhcpAgent, Router, RouterL3Agent
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.agents import DOWN_AFTER, view

L3, DHCP = "L3 agent", "DHCP agent"


@dataclass(frozen=True)
class Hosting:
    """What one host's agents host, and the routers no agent hosts."""

    routers: set[str]
    networks: set[str]
    unhosted_routers: set[str]
RouterView = Callable[[Session, Router], dict[str, Any]]
NetworkView = Callable[[Session, Network], dict[str, Any]]


def _eligible(row: Agent, kind: str) -> bool:
    return row.agent_type == kind and row.admin_state_up \
        and utcnow() - row.heartbeat_timestamp < DOWN_AFTER


class AgentSchedulers:
    def __init__(self, db: Database, router_view: RouterView, network_view: NetworkView,
                 driver: NetworkDriver) -> None:
        self.db = db
        self.driver = driver
        self.router_view = router_view
        self.network_view = network_view

    # -- L3 -------------------------------------------------------------------------------------
    def routers_on(self, agent_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as s:
            _agent(s, agent_id, L3)
            rows = [router_db.get(s, rid) for rid in db_agents.routers_of(s, agent_id)]
            return [self.router_view(s, r) for r in rows if r is not None]

    def agents_of_router(self, router_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as s:
            _router(s, router_id)
            now = utcnow()
            return [view(db_agents.get(s, a), now) for a in db_agents.agents_of_router(s, router_id)]

    @retry_on_lock()
    def add_router(self, agent_id: str, router_id: str) -> None:
        with self.db.writer() as s:
            agent = s.get(Agent, agent_id)
            if agent is None or agent.agent_type != L3 or not agent.admin_state_up:
                raise nerr.InvalidL3Agent(id=agent_id)
            _router(s, router_id)
            for hosting in db_agents.agents_of_router(s, router_id):
                if hosting == agent_id:
                    return
                raise nerr.RouterHostedByL3Agent(router_id=router_id, agent_id=hosting)
            s.add(RouterL3Agent(router_id=router_id, agent_id=agent_id))
        self.driver.hosting_changed("router", router_id)

    @retry_on_lock()
    def remove_router(self, agent_id: str, router_id: str) -> None:
        with self.db.writer() as s:
            _agent(s, agent_id, L3)
            row = s.get(RouterL3Agent, (router_id, agent_id))
            if row is None:
                raise nerr.RouterNotHostedByL3Agent(router_id=router_id, agent_id=agent_id)
            s.delete(row)
        self.driver.hosting_changed("router", router_id)

    @retry_on_lock()
    def schedule_router(self, router_id: str) -> None:
        """Host an unhosted router on the least busy live L3 agent (none: it waits)."""
        with self.db.writer() as s:
            if db_agents.agents_of_router(s, router_id):
                return
            candidates = [a for a in db_agents.listing(s) if _eligible(a, L3)]
            if candidates:
                chosen = min(candidates, key=lambda a: len(db_agents.routers_of(s, a.id)))
                s.add(RouterL3Agent(router_id=router_id, agent_id=chosen.id))

    # -- DHCP -----------------------------------------------------------------------------------
    def networks_on(self, agent_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as s:
            _agent(s, agent_id, DHCP)
            rows = [network_db.get(s, n) for n in db_agents.networks_of(s, agent_id)]
            return [self.network_view(s, r) for r in rows if r is not None]

    def agents_of_network(self, network_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as s:
            _network(s, network_id)
            now = utcnow()
            return [view(db_agents.get(s, a), now)
                    for a in db_agents.agents_of_network(s, network_id)]

    @retry_on_lock()
    def add_network(self, agent_id: str, network_id: str) -> None:
        with self.db.writer() as s:
            agent = s.get(Agent, agent_id)
            if agent is None or agent.agent_type != DHCP or not agent.admin_state_up:
                raise nerr.InvalidDHCPAgent(id=agent_id)
            _network(s, network_id)
            if agent_id in db_agents.agents_of_network(s, network_id):
                raise nerr.NetworkHostedByDHCPAgent(network_id=network_id, agent_id=agent_id)
            s.add(NetworkDhcpAgent(network_id=network_id, agent_id=agent_id))
        self.driver.hosting_changed("network", network_id)

    @retry_on_lock()
    def remove_network(self, agent_id: str, network_id: str) -> None:
        with self.db.writer() as s:
            _agent(s, agent_id, DHCP)
            row = s.get(NetworkDhcpAgent, (network_id, agent_id))
            if row is None:
                raise nerr.NetworkNotHostedByDhcpAgent(network_id=network_id, agent_id=agent_id)
            s.delete(row)
        self.driver.hosting_changed("network", network_id)

    # -- what a host's agent realises -------------------------------------------------------------
    @retry_on_lock()
    def claim(self, host: str, routers: Iterable[str], networks: Iterable[str],
              include_routers: bool) -> Hosting:
        """The routers and networks ``host``'s agents host, after taking the unhosted ones
        among ``networks`` (and ``routers`` with ``include_routers``)."""
        routers = set(routers)
        with self.db.writer() as s:
            l3 = db_agents.find(s, L3, host)
            dhcp = db_agents.find(s, DHCP, host)
            if l3 is not None and include_routers and l3.admin_state_up:
                for router_id in routers:
                    if not db_agents.agents_of_router(s, router_id):
                        s.add(RouterL3Agent(router_id=router_id, agent_id=l3.id))
            if dhcp is not None and dhcp.admin_state_up:
                for network_id in networks:
                    if not db_agents.agents_of_network(s, network_id):
                        s.add(NetworkDhcpAgent(network_id=network_id, agent_id=dhcp.id))
            s.flush()
            return Hosting(
                set(db_agents.routers_of(s, l3.id)) if l3 is not None else set(),
                set(db_agents.networks_of(s, dhcp.id)) if dhcp is not None else set(),
                {r for r in routers if not db_agents.agents_of_router(s, r)})


def _agent(s: Session, agent_id: str, kind: str) -> Agent:
    row = db_agents.get(s, agent_id)
    if row.agent_type != kind:
        raise (nerr.InvalidL3Agent if kind == L3 else nerr.InvalidDHCPAgent)(id=agent_id)
    return row


def _router(s: Session, router_id: str) -> Router:
    row = router_db.get(s, router_id)
    if row is None:
        raise nerr.RouterNotFound(id=router_id)
    return row


def _network(s: Session, network_id: str) -> Network:
    row = network_db.get(s, network_id)
    if row is None:
        raise nerr.NetworkNotFound(id=network_id)
    return row
