"""Generic volume groups' tables (Cinder 3.11+): group types, groups, the volume types a group
allows, and group snapshots. ``models.py`` names them with the other block-storage tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.core.db.base import new_id, utcnow
from nimbus.volume.db.model_base import Base


class GroupType(Base):
    """What kind of group a group is; its ``group_specs`` say what its backend must offer
    (``consistent_group_snapshot_enabled``, ``group_replication_enabled``...)."""

    __tablename__ = "volume_group_types"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_public: Mapped[bool] = mapped_column(default=True)
    group_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Group(Base):
    """Volumes of one project kept together on one backend, snapshotted together."""

    __tablename__ = "volume_groups"
    __table_args__ = (Index("ix_volume_groups_project", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    group_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_group_types.id"),
                                               index=True)
    # ``host@backend#pool``: every volume of the group lives there.
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # What a group made by create-from-src was made from.
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    replication_status: Mapped[str] = mapped_column(String(32), default="disabled")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class GroupVolumeType(Base):
    """A volume type a group's volumes may have (Cinder's group_volume_type_mapping), in the
    order the group was created with."""

    __tablename__ = "volume_group_volume_types"

    group_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_groups.id",
                                                                 ondelete="CASCADE"),
                                          primary_key=True)
    volume_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_types.id"),
                                                primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class GroupSnapshot(Base):
    """A snapshot of every volume of a group, taken together; its volumes' snapshots name it
    (``volume_snapshots.group_snapshot_id``)."""

    __tablename__ = "volume_group_snapshots"
    __table_args__ = (Index("ix_volume_group_snapshots_project", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_groups.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    group_type_id: Mapped[str] = mapped_column(String(36), ForeignKey("volume_group_types.id"),
                                               index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
