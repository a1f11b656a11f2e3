"""Block-storage tables: volumes, their attachments, volume types, snapshots and quotas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, new_id, service_metadata, utcnow


class Base(DeclarativeBase):
    metadata = service_metadata("volume")
    type_annotation_map = TYPE_MAP


class VolumeType(Base):
    __tablename__ = "volume_types"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_public: Mapped[bool] = mapped_column(default=True)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Cinder's encryption type: {encryption_id, provider, cipher, key_size, control_location,
    # created_at, updated_at}; None when the type's volumes are not encrypted.
    encryption: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Volume(Base):
    __tablename__ = "volume_volumes"
    __table_args__ = (Index("ix_volume_volumes_project", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    attach_status: Mapped[str] = mapped_column(String(32), default="detached")
    previous_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    volume_type_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("volume_types.id"),
                                                       nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    bootable: Mapped[bool] = mapped_column(default=False)
    multiattach: Mapped[bool] = mapped_column(default=False)
    readonly: Mapped[bool] = mapped_column(default=False)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    image_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set only by the cloud (Cinder's volume_admin_metadata): ``extend_new_size`` while an
    # attached volume waits for its compute host to grow it.
    admin_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict,
                                                           server_default="{}")
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_volid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    provider_location: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # An encrypted volume's key (``volume_keys``) and its type's encryption when it was made
    # (a type in use cannot change its encryption, so the copy stays true).
    encryption_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    encryption: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    launched_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Attachment(Base):
    __tablename__ = "volume_attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    volume_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_volumes.id",
                                                                  ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    instance_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    attached_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    mountpoint: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attach_status: Mapped[str] = mapped_column(String(32))
    attach_mode: Mapped[str | None] = mapped_column(String(8), nullable=True)
    connector: Mapped[dict[str, Any]] = mapped_column(default=dict)
    connection_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attach_time: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    detach_time: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Snapshot(Base):
    __tablename__ = "volume_snapshots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    volume_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_volumes.id"),
                                           index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The volume's count of snapshots when this one was taken: which one is the latest
    # (``created_at`` has whole seconds, and two snapshots may share one).
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    progress: Mapped[str] = mapped_column(String(8), default="0%")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # A snapshot of an encrypted volume holds its own copy of the volume's key.
    encryption_key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class VolumeKey(Base):
    """An encryption key of a volume or snapshot, as a key manager keeps it for Cinder: the
    key wrapped (Fernet) with the cloud's key-encryption key, which is never in the database."""

    __tablename__ = "volume_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64))
    wrapped: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Message(Base):
    """A user message (Cinder's ``/messages``): what went wrong with a resource after the API
    had answered. The text comes from a fixed catalogue, by ``action_id`` and ``detail_id``."""

    __tablename__ = "volume_messages"
    __table_args__ = (Index("ix_volume_messages_project", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_type: Mapped[str] = mapped_column(String(36))
    resource_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    event_id: Mapped[str] = mapped_column(String(255))
    action_id: Mapped[str] = mapped_column(String(10))
    detail_id: Mapped[str] = mapped_column(String(10))
    message_level: Mapped[str] = mapped_column(String(255), default="ERROR")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Quota(Base):
    """A project's limit for one resource, when it differs from the default."""

    __tablename__ = "volume_quotas"
    __table_args__ = (UniqueConstraint("project_id", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(BigInteger)
