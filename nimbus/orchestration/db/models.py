"""Stacks, their resources and events, software configs and deployments, and snapshots.

A stack row keeps what it was built from (template, files, environment, given parameters) so
that the engine, in any process, can load it again; a nested stack is a stack row whose
``owner_id`` is its parent's and whose ``owner_resource`` names the resource that made it.
A resource's plugin keeps what it must remember (a generated string, the ids it made) in
``data``. Events have a sequence number, the order they are listed in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nimbus.core.db.base import TYPE_MAP, service_metadata, utcnow


class Base(DeclarativeBase):
    metadata = service_metadata("orchestration")
    type_annotation_map = TYPE_MAP


class Stack(Base):
    __tablename__ = "orchestration_stacks"
    __table_args__ = (Index("ix_orchestration_stacks_project_name", "project_id", "name"),
                      Index("ix_orchestration_stacks_owner", "owner_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(255), default="")
    owner_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    owner_resource: Mapped[str | None] = mapped_column(String(255), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[dict[str, Any]] = mapped_column()
    files: Mapped[dict[str, Any]] = mapped_column()
    environment: Mapped[dict[str, Any]] = mapped_column()
    # The parameters as given (the environment's ``parameters`` merged with the request's).
    params: Mapped[dict[str, Any]] = mapped_column()
    # Its tags, in the order given: rows of their own so that lists filter on them in SQL.
    tag_rows: Mapped[list[StackTag]] = relationship(
        lazy="selectin", order_by="StackTag.position", cascade="all, delete-orphan")
    timeout_mins: Mapped[int | None] = mapped_column(Integer, nullable=True)
    disable_rollback: Mapped[bool] = mapped_column(Boolean, default=True)
    # The trust the engine acts through on the owner's behalf, never the owner's token.
    trust_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The template and environment an update is heading for, kept while it runs (and the
    # previous ones during a rollback).
    pending: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # Output values worked out when the last action ended; errors kept as such.
    outputs: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @tags.setter
    def tags(self, values: list[str]) -> None:
        self.tag_rows = [StackTag(position=n, tag=t) for n, t in enumerate(values)]


class StackTag(Base):
    __tablename__ = "orchestration_stack_tags"
    __table_args__ = (Index("ix_orchestration_stack_tags_tag", "tag"),)

    stack_id: Mapped[str] = mapped_column(String(36), ForeignKey("orchestration_stacks.id",
                                                                 ondelete="CASCADE"),
                                          primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(80))


class Resource(Base):
    __tablename__ = "orchestration_resources"
    __table_args__ = (Index("ix_orchestration_resources_stack", "stack_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stack_id: Mapped[str] = mapped_column(String(36), ForeignKey("orchestration_stacks.id",
                                                                 ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    physical_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The properties as last resolved and applied, for updates to compare with.
    properties: Mapped[dict[str, Any]] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column()
    # Attribute values the plugin published (what get_attr reads without calling out).
    attributes: Mapped[dict[str, Any]] = mapped_column()
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    requires: Mapped[list[Any]] = mapped_column()
    # A replaced resource's old row stays until its replacement is made; then it goes.
    replaced_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Event(Base):
    __tablename__ = "orchestration_events"
    __table_args__ = (Index("ix_orchestration_events_stack", "stack_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stack_id: Mapped[str] = mapped_column(String(36), ForeignKey("orchestration_stacks.id",
                                                                 ondelete="CASCADE"))
    resource_name: Mapped[str] = mapped_column(String(255))
    resource_type: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SoftwareConfig(Base):
    __tablename__ = "orchestration_software_configs"
    __table_args__ = (Index("ix_orchestration_software_configs_project", "project_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    group: Mapped[str] = mapped_column(String(255), default="Heat::Ungrouped")
    config: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SoftwareDeployment(Base):
    __tablename__ = "orchestration_software_deployments"
    __table_args__ = (Index("ix_orchestration_software_deployments_server", "server_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    server_id: Mapped[str] = mapped_column(String(64))
    config_id: Mapped[str] = mapped_column(String(36))
    input_values: Mapped[dict[str, Any]] = mapped_column()
    output_values: Mapped[dict[str, Any]] = mapped_column()
    action: Mapped[str] = mapped_column(String(32), default="INIT")
    status: Mapped[str] = mapped_column(String(32), default="COMPLETE")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    stack_user_project_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Snapshot(Base):
    __tablename__ = "orchestration_snapshots"
    __table_args__ = (Index("ix_orchestration_snapshots_stack", "stack_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stack_id: Mapped[str] = mapped_column(String(36), ForeignKey("orchestration_stacks.id",
                                                                 ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
