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
    __table_args__ = (Index("ix_compute_instances_project", "project_id"),)

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
    locked: Mapped[bool] = mapped_column(default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    locked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    reservation_id: Mapped[str] = mapped_column(String(255), default="")
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
