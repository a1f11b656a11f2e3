"""The SQL index of object storage: listings and counts come from here, bytes from a driver.

Swift timestamps (``"1700000000.12345"``, fixed width so they sort as strings) mark versions: an
object's ``data_ts`` names the stored bytes in the driver, ``meta_ts`` is the last PUT or POST.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nimbus.core.db.base import TYPE_MAP, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata("object")
    type_annotation_map = TYPE_MAP


class Account(Base):
    """An account (``AUTH_<project_id>``); created on first write, as Swift's autocreate does."""

    __tablename__ = "object_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    created_ts: Mapped[str] = mapped_column(String(20))
    put_ts: Mapped[str] = mapped_column(String(20))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: What middleware keeps beside the user's metadata (a reseller's quotas, account ACLs).
    sysmeta: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class Container(Base):
    """A container; its object count and bytes are kept in step with every object write."""

    __tablename__ = "object_containers"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("object_accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    created_ts: Mapped[str] = mapped_column(String(20))
    put_ts: Mapped[str] = mapped_column(String(20))
    object_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_used: Mapped[int] = mapped_column(BigInteger, default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    read_acl: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    write_acl: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    #: What middleware keeps beside the user's metadata (versioning, sync).
    sysmeta: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class Object(Base):
    """An object's index entry; uniqueness goes through a hash since names reach 1024 bytes."""

    __tablename__ = "object_objects"
    __table_args__ = (
        UniqueConstraint("container_id", "name_hash"),
        # MariaDB cannot index a whole 1024-character utf8mb4 column; a prefix serves listings.
        Index("ix_object_objects_container_name", "container_id", "name",
              mysql_length={"name": 191}),
        # The expirer's scan: the objects whose X-Delete-At has passed.
        Index("ix_object_objects_delete_at", "delete_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    container_id: Mapped[int] = mapped_column(
        ForeignKey("object_containers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(1024))
    name_hash: Mapped[str] = mapped_column(String(64))
    data_ts: Mapped[str] = mapped_column(String(20))
    meta_ts: Mapped[str] = mapped_column(String(20))
    etag: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(256))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: X-Delete-At (seconds); past it the object reads as gone and leaves listings.
    delete_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: X-Object-Manifest (``<container>/<prefix>``): a dynamic large object's segments.
    manifest: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    #: What middleware keeps beside the user's metadata (static manifests, symlinks).
    sysmeta: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class Deletion(Base):
    """An object deleted from a container that syncs to another: the tombstone container sync
    carries to the target (Swift's container database keeps deleted rows for the same end).
    Dropped once carried, and with the container."""

    __tablename__ = "object_deletions"
    __table_args__ = (Index("ix_object_deletions_container_ts", "container_id", "deleted_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    container_id: Mapped[int] = mapped_column(
        ForeignKey("object_containers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(1024))
    deleted_ts: Mapped[str] = mapped_column(String(20))
