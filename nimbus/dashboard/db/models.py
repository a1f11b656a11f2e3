"""The dashboard's sign-in sessions, kept server-side so that a browser holds only a random
cookie: the user's token is in ``data``, encrypted with the cloud's dashboard key."""

from __future__ import annotations

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata("dashboard")
    type_annotation_map = TYPE_MAP


class WebSession(Base):
    __tablename__ = "dashboard_sessions"
    __table_args__ = (Index("ix_dashboard_sessions_expires_at", "expires_at"),)

    #: The SHA-256 of the cookie's value: reading the table does not give a usable cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: What every form of the session must send back (its CSRF token).
    csrf: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    #: The token and what it was issued for, as encrypted JSON.
    data: Mapped[str] = mapped_column(Text)
    #: Seconds since the epoch: the token's own expiry or the idle timeout, the sooner.
    expires_at: Mapped[float] = mapped_column(Float)
