"""The declarative base of the network service's tables and the standard attributes most of
them carry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String
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
