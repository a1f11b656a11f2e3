"""Tables of the network service, every one importable from here (the extensions' own are in
``extension_models.py``). Wire shapes live in ``schemas/``, not here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.core.db.base import new_id, utcnow
from nimbus.network.db.extension_models import (
    AddressGroup,
    AddressGroupAddress,
    AddressScope,
    Agent,
    AutoAllocatedTopology,
    ConntrackHelper,
    DefaultSecurityGroupRule,
    Flavor,
    FlavorServiceProfile,
    MeteringLabel,
    MeteringLabelRule,
    NetworkDhcpAgent,
    PortForwarding,
    QosPolicy,
    QosRule,
    RbacPolicy,
    RouterL3Agent,
    Segment,
    ServiceProfile,
    SubnetPool,
    SubPort,
    Trunk,
)
from nimbus.network.db.model_base import Base, StandardAttrs

__all__ = [
    "AddressGroup",
    "AddressGroupAddress",
    "AddressScope",
    "Agent",
    "AutoAllocatedTopology",
    "Base",
    "ConntrackHelper",
    "DefaultSecurityGroup",
    "DefaultSecurityGroupRule",
    "Flavor",
    "FlavorServiceProfile",
    "FloatingIP",
    "IPAllocation",
    "MeteringLabel",
    "MeteringLabelRule",
    "Network",
    "NetworkDhcpAgent",
    "Port",
    "PortBinding",
    "PortForwarding",
    "QosPolicy",
    "QosRule",
    "Quota",
    "RbacPolicy",
    "Router",
    "RouterL3Agent",
    "SecurityGroup",
    "SecurityGroupRule",
    "Segment",
    "ServiceProfile",
    "StandardAttrs",
    "SubPort",
    "Subnet",
    "SubnetPool",
    "Trunk",
]


class Network(StandardAttrs, Base):
    __tablename__ = "network_networks"
    # ``name=``: who may see a network is an OR of several conditions, which no index serves,
    # so without this every network is read to find one by name.
    __table_args__ = (Index("ix_network_networks_name", "name"),)

    admin_state_up: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    shared: Mapped[bool] = mapped_column(default=False)
    external: Mapped[bool] = mapped_column(default=False)
    mtu: Mapped[int] = mapped_column(Integer, default=1450)
    port_security_enabled: Mapped[bool] = mapped_column(default=True)
    network_type: Mapped[str] = mapped_column(String(32), default="vxlan")
    physical_network: Mapped[str | None] = mapped_column(String(64), nullable=True)
    segmentation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    availability_zone_hints: Mapped[list[Any]] = mapped_column(default=list)
    qos_policy_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    # The default external network, where auto-allocated topologies get their gateway.
    is_default: Mapped[bool] = mapped_column(default=False)
    dns_domain: Mapped[str] = mapped_column(String(255), default="")


class Subnet(StandardAttrs, Base):
    __tablename__ = "network_subnets"

    network_id: Mapped[str] = mapped_column(ForeignKey("network_networks.id"), index=True)
    ip_version: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    allocation_pools: Mapped[list[Any]] = mapped_column(default=list)
    dns_nameservers: Mapped[list[Any]] = mapped_column(default=list)
    host_routes: Mapped[list[Any]] = mapped_column(default=list)
    enable_dhcp: Mapped[bool] = mapped_column(default=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The pool its cidr was allocated from (Neutron's subnet_allocation), if any.
    subnetpool_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    # The segment of its network it is on (Neutron's routed networks), if any.
    segment_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class Port(StandardAttrs, Base):
    __tablename__ = "network_ports"
    __table_args__ = (
        UniqueConstraint("network_id", "mac_address"),
        # A project's ports in id order (the list's default order) from the index, and its
        # ports on a network or of a device, in the same order: without the id in them, the
        # planner walks all of the project's ports in order rather than sort a few.
        Index("ix_network_ports_project_id_id", "project_id", "id"),
        Index("ix_network_ports_project_network", "project_id", "network_id", "id"),
        Index("ix_network_ports_project_device", "project_id", "device_id", "id"),
    )

    network_id: Mapped[str] = mapped_column(ForeignKey("network_networks.id"), index=True)
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    mac_address: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="")
    port_security_enabled: Mapped[bool] = mapped_column(default=True)
    security_groups: Mapped[list[Any]] = mapped_column(default=list)
    allowed_address_pairs: Mapped[list[Any]] = mapped_column(default=list)
    extra_dhcp_opts: Mapped[list[Any]] = mapped_column(default=list)
    host_id: Mapped[str] = mapped_column(String(255), default="")
    vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    vif_details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    qos_policy_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    dns_name: Mapped[str] = mapped_column(String(255), default="")
    dns_domain: Mapped[str] = mapped_column(String(255), default="")
    mac_learning_enabled: Mapped[bool] = mapped_column(default=False)


class PortBinding(Base):
    """A port's binding to a host other than its active one (Neutron's ``binding-extended``):
    made for a live migration's destination, which plugs the port before the guest arrives,
    and made active when the guest has moved. The active binding is the port's own columns."""

    __tablename__ = "network_port_bindings"

    port_id: Mapped[str] = mapped_column(ForeignKey("network_ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)
    vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    vif_details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IPAllocation(Base):
    """One fixed IP of one port; unique per subnet, so two ports can never share an address."""

    __tablename__ = "network_ip_allocations"
    __table_args__ = (UniqueConstraint("subnet_id", "ip_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("network_ports.id", ondelete="CASCADE"),
                                         index=True)
    subnet_id: Mapped[str] = mapped_column(ForeignKey("network_subnets.id"), index=True)
    network_id: Mapped[str] = mapped_column(String(36), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))


class Router(StandardAttrs, Base):
    __tablename__ = "network_routers"

    admin_state_up: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    gw_network_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    gw_port_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    enable_snat: Mapped[bool] = mapped_column(default=True)
    routes: Mapped[list[Any]] = mapped_column(default=list)
    # Neutron's ``dvr`` and ``l3-ha`` flags, kept and shown to admins. Every router here is
    # one namespace on the network node, whichever they say.
    distributed: Mapped[bool] = mapped_column(default=False)
    ha: Mapped[bool] = mapped_column(default=False)
    # The flavor it was made with (``l3-flavors``), fixed for its life; a flavor in use stays.
    flavor_id: Mapped[str | None] = mapped_column(ForeignKey("network_flavors.id"),
                                                  nullable=True)
    availability_zone_hints: Mapped[list[Any]] = mapped_column(default=list)


class SecurityGroup(StandardAttrs, Base):
    __tablename__ = "network_security_groups"

    stateful: Mapped[bool] = mapped_column(default=True)


class DefaultSecurityGroup(Base):
    """One row per project: makes creating the ``default`` group race-free."""

    __tablename__ = "network_default_security_groups"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("network_security_groups.id", ondelete="CASCADE",
                   name="fk_network_default_sg_group"))


class SecurityGroupRule(Base):
    __tablename__ = "network_security_group_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), default="")
    # Named by hand: the conventional name would pass MariaDB's 64-character limit.
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("network_security_groups.id", ondelete="CASCADE",
                   name="fk_network_sg_rules_group"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(8), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(40), nullable=True)
    port_range_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    port_range_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    remote_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Deleting a group a rule names is refused (AddressGroupInUse); the cascade, as in Neutron,
    # only settles a race with a rule made meanwhile.
    remote_address_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("network_address_groups.id", ondelete="CASCADE",
                   name="fk_network_sg_rules_address_group"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FloatingIP(StandardAttrs, Base):
    __tablename__ = "network_floating_ips"

    floating_network_id: Mapped[str] = mapped_column(String(36), index=True)
    floating_ip_address: Mapped[str] = mapped_column(String(64))
    floating_port_id: Mapped[str] = mapped_column(String(36))
    port_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    router_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    dns_name: Mapped[str] = mapped_column(String(255), default="")
    dns_domain: Mapped[str] = mapped_column(String(255), default="")


class Quota(Base):
    __tablename__ = "network_quotas"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)
