"""Block-storage tables: volumes, their attachments, volume types, snapshots, backups and
quotas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.core.db.base import new_id, utcnow
from nimbus.volume.db.group_models import Group, GroupSnapshot, GroupType, GroupVolumeType
from nimbus.volume.db.model_base import Base
from nimbus.volume.db.operator_models import QuotaClass, VolumeBackend

# Tables declared in their own modules, named here so that this module names every table.
__all__ = ["Base", "Group", "GroupSnapshot", "GroupType", "GroupVolumeType", "QuotaClass",
           "VolumeBackend"]


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
    # The QoS specs the type's volumes get (Cinder's association of specs with a type).
    qos_specs_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("volume_qos_specs.id"),
                                                     nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Volume(Base):
    __tablename__ = "volume_volumes"
    __table_args__ = (
        # A project's volumes in the list's default order (newest first, id breaking ties),
        # read off the index from the marker on; and ``status=`` and ``name=`` in that order.
        Index("ix_volume_volumes_project", "project_id", "created_at", "id"),
        Index("ix_volume_volumes_project_status", "project_id", "status", "created_at", "id"),
        Index("ix_volume_volumes_project_name", "project_id", "name", "created_at", "id"),
        # An administrator's list of every project's volumes.
        Index("ix_volume_volumes_created", "created_at", "id"),
    )

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
    # A move to another backend (os-migrate_volume, or a retype that needs one): ``starting``,
    # ``migrating``, then ``success`` or ``error``; None when it never moved.
    migration_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    bootable: Mapped[bool] = mapped_column(default=False)
    multiattach: Mapped[bool] = mapped_column(default=False)
    # None until os-update_readonly_flag sets it: only then does the volume's metadata show a
    # ``readonly`` key (Cinder's visible admin metadata).
    readonly: Mapped[bool | None] = mapped_column(nullable=True, default=None)
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
    # The generic volume group it belongs to (3.13), on whose backend it lives.
    group_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("volume_groups.id"),
                                                 nullable=True, index=True)
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
    # The group snapshot it was taken as part of (3.14).
    group_snapshot_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("volume_group_snapshots.id"), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Backup(Base):
    """A copy of a volume's data in the object store (Cinder's ``backups``). It outlives its
    volume, so ``volume_id`` names one that may be gone; an incremental backup's ``parent_id``
    names the backup whose chunks it did not store again."""

    __tablename__ = "volume_backups"
    __table_args__ = (Index("ix_volume_backups_project", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    fail_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    container: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Where its objects are in ``container`` (Cinder's ``service_metadata``: the object prefix).
    service_metadata: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The volume agent (``host@backend``) that does its work.
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # When the data was as the backup holds it: its creation, or its snapshot's.
    data_timestamp: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    # The volume's count of backups when this one was made: which is newest among backups
    # whose data has the same (whole-second) timestamp.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # The volume a restore writes to, while ``restoring``.
    restore_volume_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The backend snapshot an attached volume is read through, while ``creating``; the agent's
    # start-up reconciliation removes one a crash left behind.
    temp_snapshot_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
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


class QosSpecs(Base):
    """Cinder's QoS specs: limits applied by the front end (the compute host's hypervisor),
    the back end (the storage), or both, to the volumes of the types associated with them."""

    __tablename__ = "volume_qos_specs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    consumer: Mapped[str] = mapped_column(String(16), default="back-end")
    specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class VolumeTypeAccess(Base):
    """A project given a private volume type (Cinder's volume_type_projects)."""

    __tablename__ = "volume_type_projects"
    __table_args__ = (UniqueConstraint("volume_type_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    volume_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_types.id",
                                                                       ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DefaultType(Base):
    """A project's own default volume type (3.62), used when a volume names none."""

    __tablename__ = "volume_default_types"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    volume_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_types.id"),
                                                index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Transfer(Base):
    """A volume offered to another project: whoever shows the auth key (kept only as a salted
    hash) takes it. The row goes when the offer is accepted or withdrawn."""

    __tablename__ = "volume_transfers"
    __table_args__ = (Index("ix_volume_transfers_project", "source_project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    volume_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_volumes.id",
                                                                  ondelete="CASCADE"),
                                           unique=True)
    source_project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    salt: Mapped[str] = mapped_column(String(32))
    crypt_hash: Mapped[str] = mapped_column(String(255))
    no_snapshots: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
