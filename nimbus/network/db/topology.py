"""The rows a network agent needs, read in one consistent snapshot.

The agent does not follow changes one by one: each sync reads the whole wanted state (a small
cloud's networks, subnets, ports, routers, floating IPs and security-group rules) and makes the
machine match it, so that a missed message, a crash or a restart costs one sync, never a drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.network.db.models import (
    AddressGroupAddress,
    ConntrackHelper,
    FloatingIP,
    IPAllocation,
    MeteringLabel,
    MeteringLabelRule,
    Network,
    Port,
    PortBinding,
    PortForwarding,
    QosRule,
    Router,
    SecurityGroupRule,
    Subnet,
    SubPort,
    Trunk,
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
    # (subport id, parent port id, VLAN) of every trunk's subports.
    subports: list[tuple[str, str, int]]
    # Every port forwarding, with its floating IP.
    forwardings: list[tuple[PortForwarding, FloatingIP]]
    # The QoS rules the data plane enforces (bandwidth limits, DSCP marks).
    limits: list[QosRule]
    labels: list[MeteringLabel]
    label_rules: list[MeteringLabelRule]
    # Every router's conntrack helpers.
    helpers: list[ConntrackHelper] = field(default_factory=list)
    # (address group id, prefix) of every address group's prefixes, which rules may name.
    group_addresses: list[tuple[str, str]] = field(default_factory=list)


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
        subports=[(s.port_id, t.port_id, s.segmentation_id) for s, t in session.execute(
            select(SubPort, Trunk).join(Trunk, SubPort.trunk_id == Trunk.id)).tuples()],
        forwardings=list(session.execute(select(PortForwarding, FloatingIP).join(
            FloatingIP, PortForwarding.floatingip_id == FloatingIP.id)).tuples()),
        limits=list(session.scalars(select(QosRule).where(
            QosRule.rule_type.in_(("bandwidth_limit", "dscp_marking"))).order_by(QosRule.id))),
        labels=list(session.scalars(select(MeteringLabel).order_by(MeteringLabel.id))),
        label_rules=list(session.scalars(select(MeteringLabelRule)
                                         .order_by(MeteringLabelRule.id))),
        helpers=list(session.scalars(select(ConntrackHelper).order_by(ConntrackHelper.id))),
        group_addresses=[(g, a) for g, a in session.execute(select(
            AddressGroupAddress.address_group_id, AddressGroupAddress.address).order_by(
            AddressGroupAddress.address_group_id, AddressGroupAddress.address)).tuples()],
    )
