"""The identity tables' declarative base, shared by every model module of this package."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, new_hex_id, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata("identity")
    type_annotation_map = TYPE_MAP


def hex_id() -> Mapped[str]:
    """A 32-hex-digit primary key, as Keystone's ids."""
    return mapped_column(String(64), primary_key=True, default=new_hex_id)
