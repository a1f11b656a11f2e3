"""Tables of the network service's API extensions: agents, QoS, addressing, metering, RBAC,
trunks, port forwardings, segments and the rest. ``models.py`` names them all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.core.db.base import new_id, utcnow
from nimbus.network.db.model_base import Base, StandardAttrs


class Agent(Base):
    """A network agent on a host (DHCP, L3, metadata, the port agent), as it last reported."""

    __tablename__ = "network_agents"
    __table_args__ = (UniqueConstraint("agent_type", "host"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agent_type: Mapped[str] = mapped_column(String(64))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255), index=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    configurations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    resources_synced: Mapped[bool | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_timestamp: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RouterL3Agent(Base):
    """Which L3 agent hosts a router (Neutron's l3_agent_scheduler)."""

    __tablename__ = "network_router_l3_agents"

    router_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class NetworkDhcpAgent(Base):
    """Which DHCP agents serve a network (Neutron's dhcp_agent_scheduler)."""

    __tablename__ = "network_network_dhcp_agents"

    network_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class QosPolicy(StandardAttrs, Base):
    """A QoS policy (Neutron's ``qos``): rules that ports and networks it is given to follow."""

    __tablename__ = "network_qos_policies"

    shared: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)


class QosRule(Base):
    """One rule of a policy; ``rule_type`` says which of the columns it uses."""

    __tablename__ = "network_qos_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    qos_policy_id: Mapped[str] = mapped_column(
        ForeignKey("network_qos_policies.id", ondelete="CASCADE"), index=True)
    rule_type: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    max_kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_burst_kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_kbps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_kpps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dscp_mark: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AddressScope(StandardAttrs, Base):
    """An address scope: subnet pools whose prefixes must not overlap, routed between without
    NAT (Neutron's ``address-scope``)."""

    __tablename__ = "network_address_scopes"

    ip_version: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(default=False)


class SubnetPool(StandardAttrs, Base):
    """A subnet pool: prefixes that subnets take their cidrs from (``subnet_allocation``)."""

    __tablename__ = "network_subnet_pools"

    ip_version: Mapped[int] = mapped_column(Integer)
    prefixes: Mapped[list[Any]] = mapped_column(default=list)
    default_prefixlen: Mapped[int] = mapped_column(Integer)
    min_prefixlen: Mapped[int] = mapped_column(Integer)
    max_prefixlen: Mapped[int] = mapped_column(Integer)
    default_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    address_scope_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    shared: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)


class MeteringLabel(Base):
    """A metering label (Neutron's ``metering``): traffic its rules select, counted on every
    router of its project (every router, when it is shared)."""

    __tablename__ = "network_metering_labels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(1024), default="")
    shared: Mapped[bool] = mapped_column(default=False)


class MeteringLabelRule(Base):
    """Which traffic a label counts (or, ``excluded``, leaves out), by direction and prefix."""

    __tablename__ = "network_metering_label_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    metering_label_id: Mapped[str] = mapped_column(
        ForeignKey("network_metering_labels.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    excluded: Mapped[bool] = mapped_column(default=False)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    destination_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RbacPolicy(Base):
    """An RBAC policy (Neutron's ``rbac-policies``): the owner of a network, QoS policy,
    address scope or subnet pool lets one project (or ``*``, every project) use it."""

    __tablename__ = "network_rbac_policies"
    # Named here: the generated name would pass MySQL's 64 characters.
    __table_args__ = (UniqueConstraint("object_type", "object_id", "action", "target_project",
                                       name="uq_network_rbac_policies_grant"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target_project: Mapped[str] = mapped_column(String(255))


class Trunk(StandardAttrs, Base):
    """A trunk (Neutron's ``trunk``): a guest's parent port that also carries its subports'
    networks, each tagged with its own VLAN."""

    __tablename__ = "network_trunks"

    admin_state_up: Mapped[bool] = mapped_column(default=True)
    # Its status is its ports' (``trunk_views.status``), not stored. A port is the parent of
    # one trunk at most; it is not deleted while the trunk stands.
    port_id: Mapped[str] = mapped_column(ForeignKey("network_ports.id"), unique=True)


class SubPort(Base):
    """A port carried by a trunk, and the VLAN that tells its frames apart on the parent."""

    __tablename__ = "network_trunk_subports"
    __table_args__ = (UniqueConstraint("trunk_id", "segmentation_type", "segmentation_id",
                                       name="uq_network_trunk_subports_segment"),)

    port_id: Mapped[str] = mapped_column(ForeignKey("network_ports.id"), primary_key=True)
    trunk_id: Mapped[str] = mapped_column(
        ForeignKey("network_trunks.id", ondelete="CASCADE"), index=True)
    segmentation_type: Mapped[str] = mapped_column(String(32))
    segmentation_id: Mapped[int] = mapped_column(Integer)


class PortForwarding(Base):
    """A floating IP's port forwarding (Neutron's ``floating-ip-port-forwarding``): a port, or
    a range, of the floating address DNATed to a port's fixed address behind the router."""

    __tablename__ = "network_port_forwardings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    floatingip_id: Mapped[str] = mapped_column(
        ForeignKey("network_floating_ips.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(16))
    external_port_start: Mapped[int] = mapped_column(Integer)
    external_port_end: Mapped[int] = mapped_column(Integer)
    internal_port_id: Mapped[str] = mapped_column(
        ForeignKey("network_ports.id", ondelete="CASCADE"), index=True)
    internal_ip_address: Mapped[str] = mapped_column(String(64))
    internal_port_start: Mapped[int] = mapped_column(Integer)
    internal_port_end: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(255), default="")


class Segment(Base):
    """A segment of a network (Neutron's ``segment``): how it is carried, by type, physical
    network and id. Every network has its own first one (``segment_index`` 0), made with it
    from its provider attributes; an admin may add more."""

    __tablename__ = "network_segments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    network_id: Mapped[str] = mapped_column(
        ForeignKey("network_networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    network_type: Mapped[str] = mapped_column(String(32))
    physical_network: Mapped[str | None] = mapped_column(String(64), nullable=True)
    segmentation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    segment_index: Mapped[int] = mapped_column(Integer, default=0)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def touch(self) -> None:
        self.revision_number = (self.revision_number or 0) + 1
        self.updated_at = utcnow()


class AutoAllocatedTopology(Base):
    """The network and router a project was given by ``auto-allocated-topology``."""

    __tablename__ = "network_auto_allocated_topologies"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    network_id: Mapped[str] = mapped_column(
        ForeignKey("network_networks.id", ondelete="CASCADE"), index=True)
    router_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class DefaultSecurityGroupRule(Base):
    """A template of the rules each new security group starts with (Neutron's
    ``security-groups-default-rules``): ``remote_group_id`` ``PARENT`` is the new group itself;
    ``used_in_default_sg`` and ``used_in_non_default_sg`` say which groups get it."""

    __tablename__ = "network_default_sg_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    description: Mapped[str] = mapped_column(String(255), default="")
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(8), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(40), nullable=True)
    port_range_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    port_range_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    remote_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    used_in_default_sg: Mapped[bool] = mapped_column(default=True)
    used_in_non_default_sg: Mapped[bool] = mapped_column(default=True)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AddressGroup(Base):
    """An address group (Neutron's ``address-group``): a named set of prefixes that security
    group rules name as their remote end. Neutron gives it the standard attributes but no
    tags, hence no ``StandardAttrs``; its description is Neutron's long one."""

    __tablename__ = "network_address_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(1024), default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def touch(self) -> None:
        """Its addresses count as its own attribute: adding one bumps the revision too."""
        self.revision_number = (self.revision_number or 0) + 1
        self.updated_at = utcnow()


class AddressGroupAddress(Base):
    """One prefix of an address group, as a network (``10.0.0.0/24``): the key makes a prefix
    appear once per group, however many requests add it at once."""

    __tablename__ = "network_address_group_addresses"

    address_group_id: Mapped[str] = mapped_column(
        ForeignKey("network_address_groups.id", ondelete="CASCADE",
                   name="fk_network_ag_addresses_group"), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)


class ConntrackHelper(Base):
    """A router's conntrack helper (Neutron's ``l3-conntrack-helper``): connections to
    ``port`` over ``protocol`` through the router are followed by the kernel's ``helper``
    (ftp, sip...), which opens their related connections. One rule once per router."""

    __tablename__ = "network_conntrack_helpers"
    __table_args__ = (UniqueConstraint("router_id", "protocol", "port", "helper",
                                       name="uq_network_conntrack_helpers_rule"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    router_id: Mapped[str] = mapped_column(
        ForeignKey("network_routers.id", ondelete="CASCADE"), index=True)
    protocol: Mapped[str] = mapped_column(String(40))
    port: Mapped[int] = mapped_column(Integer)
    helper: Mapped[str] = mapped_column(String(64))


class Flavor(Base):
    """A service flavor (Neutron's ``flavors``): an operator's named choice of how a service
    (here only routers, ``L3_ROUTER_NAT``) is provided, through its service profiles."""

    __tablename__ = "network_flavors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(1024), default="")
    service_type: Mapped[str] = mapped_column(String(36))
    enabled: Mapped[bool] = mapped_column(default=True)


class ServiceProfile(Base):
    """A service profile: the provider driver (and its free-form ``metainfo``) a flavor
    stands for."""

    __tablename__ = "network_service_profiles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    description: Mapped[str] = mapped_column(String(1024), default="")
    driver: Mapped[str] = mapped_column(String(1024), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    metainfo: Mapped[str] = mapped_column(String(4096), default="")


class FlavorServiceProfile(Base):
    """A flavor's association with one of its service profiles."""

    __tablename__ = "network_flavor_service_profiles"

    flavor_id: Mapped[str] = mapped_column(
        ForeignKey("network_flavors.id", ondelete="CASCADE"), primary_key=True)
    service_profile_id: Mapped[str] = mapped_column(
        ForeignKey("network_service_profiles.id", ondelete="CASCADE"), primary_key=True,
        index=True)
