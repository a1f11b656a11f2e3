"""Tables shared by every service: the registry of running workers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, service_metadata, utcnow


class Base(DeclarativeBase):
    metadata = service_metadata("core")
    type_annotation_map = TYPE_MAP


class ServiceRecord(Base):
    """A running worker (API, scheduler, agent) and when it last reported."""

    __tablename__ = "core_services"
    __table_args__ = (UniqueConstraint("binary", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    binary: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(64), default="")
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # What the worker says of its host at each start (a compute agent's CPU and accelerator).
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
