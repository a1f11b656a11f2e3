"""Catalog extras: policy blobs (``/v3/policies``) and OS-EP-FILTER endpoint groups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.identity.db.base import Base, hex_id


class PolicyBlob(Base):
    """An opaque policy document Keystone stores for other services (``/v3/policies``)."""

    __tablename__ = "identity_policies"

    id: Mapped[str] = hex_id()
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EndpointGroup(Base):
    __tablename__ = "identity_endpoint_groups"

    id: Mapped[str] = hex_id()
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectEndpointGroup(Base):
    __tablename__ = "identity_project_endpoint_groups"

    endpoint_group_id: Mapped[str] = mapped_column(
        ForeignKey("identity_endpoint_groups.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ProjectEndpoint(Base):
    __tablename__ = "identity_project_endpoints"

    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("identity_endpoints.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
