"""What the managers hand back and take: plain records, never database rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from nimbus.object.db.listings import ListingQuery
from nimbus.object.db.models import Container, Object

__all__ = ["AccountInfo", "ContainerInfo", "ListingQuery", "ObjectInfo", "PutRequest",
           "container_info", "object_info"]


@dataclass
class AccountInfo:
    name: str
    created_ts: str
    put_ts: str
    meta: dict[str, str]
    container_count: int = 0
    object_count: int = 0
    bytes_used: int = 0


@dataclass
class ContainerInfo:
    account: str
    name: str
    created_ts: str
    put_ts: str
    object_count: int
    bytes_used: int
    meta: dict[str, str] = field(default_factory=dict)
    read_acl: str | None = None
    write_acl: str | None = None


@dataclass
class ObjectInfo:
    account: str
    container: str
    name: str
    etag: str
    size: int
    content_type: str
    data_ts: str
    meta_ts: str
    meta: dict[str, str] = field(default_factory=dict)
    delete_at: int | None = None
    manifest: str | None = None
    #: For a dynamic large object once resolved: its segments, in name order.
    segments: list[ObjectInfo] | None = None


@dataclass
class PutRequest:
    """What a PUT carries besides its bytes."""

    content_type: str
    meta: dict[str, str]
    expected_etag: str | None = None
    if_none_match: bool = False
    delete_at: int | None = None
    manifest: str | None = None


def container_info(account: str, row: Container) -> ContainerInfo:
    return ContainerInfo(account, row.name, row.created_ts, row.put_ts, row.object_count,
                         row.bytes_used, dict(row.meta or {}), row.read_acl, row.write_acl)


def object_info(account: str, container: str, row: Object) -> ObjectInfo:
    return ObjectInfo(account, container, row.name, row.etag, row.size, row.content_type,
                      row.data_ts, row.meta_ts, dict(row.meta or {}), row.delete_at, row.manifest)
