"""Tables of the operators' block-storage APIs: quota classes and the backends' own state.
``models.py`` names them with the other block-storage tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.core.db.base import utcnow
from nimbus.volume.db.model_base import Base


class QuotaClass(Base):
    """A limit of a quota class (``os-quota-class-sets``); the ``default`` class's limits are
    every project's defaults."""

    __tablename__ = "volume_quota_classes"
    __table_args__ = (UniqueConstraint("class_name", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_name: Mapped[str] = mapped_column(String(255))
    # A resource (``volumes``) or a per-type one (``volumes_<type name>``).
    resource: Mapped[str] = mapped_column(String(300))
    hard_limit: Mapped[int] = mapped_column(BigInteger)


class VolumeBackend(Base):
    """What an operator set on a volume backend (``host@backend``) beside enabling it: frozen
    (``os-services/freeze``) refuses changes to what lives on it."""

    __tablename__ = "volume_backends"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    frozen: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
