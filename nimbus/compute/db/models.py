"""Compute tables: flavors, keypairs, instances (and their tags), volume attachments, instance
actions and quotas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, new_id, service_metadata, utcnow


class Base(DeclarativeBase):
    metadata = service_metadata("compute")
    type_annotation_map = TYPE_MAP


class Flavor(Base):
    __tablename__ = "compute_flavors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavorid: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    memory_mb: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer, default=0)
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(default=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class KeyPair(Base):
    __tablename__ = "compute_keypairs"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    fingerprint: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default="ssh")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Instance(Base):
    """A server. ``flavor`` is a snapshot, so deleting a flavor never changes a server."""

    __tablename__ = "compute_instances"
    __table_args__ = (
        # A project's list in its default order (newest first, id breaking ties): a page is
        # read off the index, from its marker on, instead of sorting all the project's rows.
        Index("ix_compute_instances_project_created", "project_id", "created_at", "id"),
        # ``status=`` (most statuses are one vm_state), in the same order.
        Index("ix_compute_instances_project_vm_state", "project_id", "vm_state", "created_at",
              "id"),
        # ``changes-since`` and ``changes-before``.
        Index("ix_compute_instances_project_updated", "project_id", "updated_at"),
        # An administrator's list of every project's servers.
        Index("ix_compute_instances_created", "created_at", "id"),
        # ``host=``, and an agent's servers.
        Index("ix_compute_instances_host", "host"),
        Index("ix_compute_instances_reservation_id", "reservation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    flavor_id: Mapped[str] = mapped_column(String(255))
    flavor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    image_ref: Mapped[str] = mapped_column(String(255), default="")
    key_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_data: Mapped[str | None] = mapped_column(Text, nullable=True)
    vm_state: Mapped[str] = mapped_column(String(32))
    task_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_ipv4: Mapped[str] = mapped_column(String(64), default="")
    access_ipv6: Mapped[str] = mapped_column(String(64), default="")
    config_drive: Mapped[str] = mapped_column(String(16), default="")
    metadata_items: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The server's tags in the order they were added; ``InstanceTag`` holds them again, one
    # row each, so that list filters run in SQL (both are written together in db/instances.py).
    tags: Mapped[list[Any]] = mapped_column(default=list)
    security_groups: Mapped[list[Any]] = mapped_column(default=list)
    requested_networks: Mapped[list[Any]] = mapped_column(default=list)
    # The ports the server uses: [{"port_id", "net_id", "net_name", "mac", "fixed_ips",
    # "created"}]; "created" says whether we made the port and so must delete it.
    ports: Mapped[list[Any]] = mapped_column(default=list)
    fault: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # What the scheduler and the agent build from (flavor, image, owner, forced host), kept
    # so that a build whose message was lost can be scheduled or resumed again.
    request_spec: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # The image a snapshot in progress writes to, so an interrupted one can be cleaned up.
    snapshot_image_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # A resize or migration under way: the flavor the server had and the one it moves to
    # (kept until it is confirmed or reverted), and whether the guest ran before it.
    old_flavor: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    new_flavor: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # The image a shelved server is kept in, until it is unshelved.
    shelved_image_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # When a deferred delete (``reclaim_instance_interval``) was asked for; the server is
    # reclaimed once that is older than the interval.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    locked: Mapped[bool] = mapped_column(default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    locked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    reservation_id: Mapped[str] = mapped_column(String(255), default="")
    # Its place among the servers one request made (0 for the first).
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    # ``OS-DCF:diskConfig``: AUTO (True) or MANUAL.
    auto_disk_config: Mapped[bool] = mapped_column(default=False)
    # The encrypted password the guest posted (``os-server-password``); None when cleared.
    server_password: Mapped[str | None] = mapped_column(Text, nullable=True)
    launched_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InstanceTag(Base):
    """One tag of one server, for the ``tags``/``not-tags`` list filters."""

    __tablename__ = "compute_instance_tags"

    instance_uuid: Mapped[str] = mapped_column(
        String(36), ForeignKey("compute_instances.uuid", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class VolumeAttachment(Base):
    """A block device mapping for an attached volume and its Cinder attachment."""

    __tablename__ = "compute_volume_attachments"
    __table_args__ = (UniqueConstraint("instance_uuid", "volume_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_uuid: Mapped[str] = mapped_column(
        String(36), ForeignKey("compute_instances.uuid", ondelete="CASCADE"), index=True)
    volume_id: Mapped[str] = mapped_column(String(36))
    attachment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    device_name: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(255), nullable=True)
    delete_on_termination: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(32), default="attaching")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InstanceAction(Base):
    __tablename__ = "compute_instance_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    project_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InstanceActionEvent(Base):
    __tablename__ = "compute_instance_action_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("compute_instance_actions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(255))
    result: Mapped[str | None] = mapped_column(String(32), nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    traceback: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finish_time: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Quota(Base):
    """A project's limit for one resource, where it differs from the default."""

    __tablename__ = "compute_quotas"
    __table_args__ = (UniqueConstraint("project_id", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(BigInteger)


class QuotaClass(Base):
    """A quota class's limit for one resource; the ``default`` class's are every project's
    defaults."""

    __tablename__ = "compute_quota_classes"
    __table_args__ = (UniqueConstraint("class_name", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_name: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(BigInteger)


class UserQuota(Base):
    """One user's limit for one resource within a project."""

    __tablename__ = "compute_user_quotas"
    __table_args__ = (UniqueConstraint("project_id", "user_id", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(BigInteger)


class Aggregate(Base):
    """A host aggregate: a named group of hosts. Its ``availability_zone`` metadata makes its
    hosts an availability zone."""

    __tablename__ = "compute_aggregates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class AggregateHost(Base):
    __tablename__ = "compute_aggregate_hosts"
    __table_args__ = (UniqueConstraint("aggregate_id", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aggregate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("compute_aggregates.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(255), index=True)


class AggregateMetadata(Base):
    __tablename__ = "compute_aggregate_metadata"
    __table_args__ = (UniqueConstraint("aggregate_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aggregate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("compute_aggregates.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))


class FlavorProject(Base):
    """A project granted a private flavor."""

    __tablename__ = "compute_flavor_projects"
    __table_args__ = (UniqueConstraint("flavor_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavor_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("compute_flavors.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)


class ServiceState(Base):
    """An operator's ``forced_down`` on a compute service. Enabled/disabled (and its reason)
    live on the registry's own record, which outlives restarts as this does."""

    __tablename__ = "compute_service_states"
    __table_args__ = (UniqueConstraint("binary", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    binary: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    forced_down: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeletedInstance(Base):
    """What usage reports still need of a server once its row is gone."""

    __tablename__ = "compute_deleted_instances"
    __table_args__ = (Index("ix_compute_deleted_instances_project", "project_id", "uuid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    flavor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    vm_state: Mapped[str] = mapped_column(String(32))
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    launched_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    terminated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Migration(Base):
    """A resize, cold migration or live migration of a server, from its start to its end
    (``os-migrations``); the source allocation is held in Placement under its ``uuid``."""

    __tablename__ = "compute_migrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    migration_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    source_compute: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dest_compute: Mapped[str | None] = mapped_column(String(255), nullable=True)
    old_flavor_id: Mapped[str] = mapped_column(String(255), default="")
    new_flavor_id: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class ServerGroup(Base):
    """A server group: its members are placed together or apart, as its policy says."""

    __tablename__ = "compute_server_groups"
    __table_args__ = (Index("ix_compute_server_groups_project", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    # affinity, anti-affinity, soft-affinity or soft-anti-affinity.
    policy: Mapped[str] = mapped_column(String(32))
    # {"max_server_per_host": n} for anti-affinity (2.64+); empty otherwise.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ServerGroupMember(Base):
    """One server in one group (a server joins at most one). Both keys cascade, so deleting
    the server or the group drops the membership without anyone having to remember it."""

    __tablename__ = "compute_server_group_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("compute_server_groups.id", ondelete="CASCADE"), index=True)
    instance_uuid: Mapped[str] = mapped_column(
        String(36), ForeignKey("compute_instances.uuid", ondelete="CASCADE"), unique=True)


class ConsoleToken(Base):
    """A remote console's access token: only its hash is kept, with where it leads."""

    __tablename__ = "compute_console_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    console_type: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    internal_access_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FakeGuest(Base):
    """A guest of the fake driver on one host, as a hypervisor would hold it: kept here so
    that it outlives the agent and its process. ``kept`` marks what a resize or migration
    from this host keeps aside until it is confirmed or reverted."""

    __tablename__ = "compute_fake_guests"
    __table_args__ = (UniqueConstraint("host", "instance_uuid", "kept"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    kept: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    vcpus: Mapped[int] = mapped_column(Integer, default=0)
    memory_mb: Mapped[int] = mapped_column(Integer, default=0)
    disk_gb: Mapped[int] = mapped_column(Integer, default=0)
    image_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The image it was rescued from ("own" for its own), while it is rescued.
    rescue_image: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Where a stable rescue put the rescue disk ({hw_rescue_device, hw_rescue_bus}).
    rescue_device: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # {device name: connection_info} of the volumes plugged in, and the port ids.
    volumes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ports: Mapped[list[Any]] = mapped_column(default=list)
    password_changes: Mapped[int] = mapped_column(Integer, default=0)
    crash_dumps: Mapped[int] = mapped_column(Integer, default=0)
    booted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
