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
    #: What middleware keeps with the container (where versions go).
    sysmeta: dict[str, str] = field(default_factory=dict)


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
    #: For a large object once resolved: its segments, in the order they are read.
    segments: list[ObjectInfo] | None = None
    #: What middleware keeps with the object (a static manifest's flag, a symlink's target).
    sysmeta: dict[str, str] = field(default_factory=dict)
    #: As a static manifest's segment: where its bytes start in the stored object.
    offset: int = 0


@dataclass
class PutRequest:
    """What a PUT carries besides its bytes."""

    content_type: str
    meta: dict[str, str]
    expected_etag: str | None = None
    if_none_match: bool = False
    delete_at: int | None = None
    manifest: str | None = None
    sysmeta: dict[str, str] | None = None
    #: What the index records instead of the stored bytes' etag and size (a static manifest
    #: is listed with its segments' etag and total size, as Swift's container shows it).
    index_etag: str | None = None
    index_size: int | None = None
    #: The version's X-Timestamp when it is a copy that keeps its source's (container sync).
    meta_ts: str | None = None


def container_info(account: str, row: Container) -> ContainerInfo:
    return ContainerInfo(account, row.name, row.created_ts, row.put_ts, row.object_count,
                         row.bytes_used, dict(row.meta or {}), row.read_acl, row.write_acl,
                         dict(row.sysmeta or {}))


def object_info(account: str, container: str, row: Object) -> ObjectInfo:
    return ObjectInfo(account, container, row.name, row.etag, row.size, row.content_type,
                      row.data_ts, row.meta_ts, dict(row.meta or {}), row.delete_at, row.manifest,
                      sysmeta=dict(row.sysmeta or {}))
