"""The declarative base every block-storage table shares (one metadata: one migration history)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from nimbus.core.db.base import TYPE_MAP, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata("volume")
    type_annotation_map = TYPE_MAP
