"""The rows a network agent needs, read in one consistent snapshot.

The agent does not follow changes one by one: each sync reads the whole wanted state (a small
cloud's networks, subnets, ports, routers, floating IPs and security-group rules) and makes the
machine match it, so that a missed message, a crash or a restart costs one sync, never a drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.network.db.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortBinding,
    Router,
    SecurityGroupRule,
    Subnet,
)


@dataclass
class TopologyRows:
    networks: list[Network]
    subnets: list[Subnet]
    ports: list[Port]
    allocations: list[IPAllocation]
    routers: list[Router]
    floating_ips: list[FloatingIP]
    rules: list[SecurityGroupRule]
    bindings: list[PortBinding]


def snapshot(session: Session) -> TopologyRows:
    return TopologyRows(
        networks=list(session.scalars(select(Network))),
        subnets=list(session.scalars(select(Subnet))),
        ports=list(session.scalars(select(Port))),
        allocations=list(session.scalars(select(IPAllocation).order_by(IPAllocation.id))),
        routers=list(session.scalars(select(Router))),
        floating_ips=list(session.scalars(select(FloatingIP))),
        rules=list(session.scalars(select(SecurityGroupRule))),
        bindings=list(session.scalars(select(PortBinding))),
    )
