"""Tables of the network service. Wire shapes live in ``schemas/``, not here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, new_id, service_metadata, utcnow


class Base(DeclarativeBase):
    metadata = service_metadata("network")
    type_annotation_map = TYPE_MAP


class StandardAttrs:
    """What Neutron's standard-attr-* extensions add to every resource."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def touch(self) -> None:
        """Every change bumps revision_number and updated_at, as standard-attr-revisions says."""
        self.revision_number = (self.revision_number or 0) + 1
        self.updated_at = utcnow()


class Network(StandardAttrs, Base):
    __tablename__ = "network_networks"

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
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),)

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


class Quota(Base):
    __tablename__ = "network_quotas"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)


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
