"""Declarative bases and portable column helpers shared by every service's models."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC now: portable across SQLite, PostgreSQL and MariaDB."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def new_id() -> str:
    return str(uuid.uuid4())


def new_hex_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC; gives back naive UTC whatever the driver did."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value


TYPE_MAP: dict[Any, Any] = {dict[str, Any]: JSON, list[Any]: JSON, dt.datetime: UTCDateTime}


def service_metadata(service: str) -> MetaData:
    """The metadata of one service's tables; each service's ``Base`` declares it::

        class Base(DeclarativeBase):
            metadata = service_metadata("identity")
            type_annotation_map = TYPE_MAP
    """
    return MetaData(naming_convention=NAMING, info={"service": service})


def id_column(primary: bool = True) -> Mapped[str]:
    return mapped_column(String(64), primary_key=primary, default=new_id)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with a Z, as the OpenStack APIs print times."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def iso_micro(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None
