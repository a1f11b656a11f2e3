"""Host aggregates: their hosts and metadata, and the availability zones they define."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from nimbus.compute.db.models import Aggregate, AggregateHost, AggregateMetadata
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict, NotFound

# The metadata key that makes an aggregate an availability zone.
AZ_KEY = "availability_zone"


@dataclass
class AggregateView:
    """An aggregate with its hosts and metadata, as plain data (no ORM row)."""

    id: int
    uuid: str
    name: str
    created_at: dt.datetime
    updated_at: dt.datetime | None
    hosts: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(AZ_KEY)


def not_found(aggregate_id: object) -> NotFound:
    return NotFound(f"Aggregate {aggregate_id} could not be found.", resource="aggregate",
                    id=str(aggregate_id))


def name_exists(name: str) -> Conflict:
    return Conflict(f"Aggregate {name} already exists.")


def _views(s: Session, rows: Sequence[Aggregate]) -> list[AggregateView]:
    """The rows with their hosts and metadata, in three queries whatever their number."""
    ids = [r.id for r in rows]
    views = {r.id: AggregateView(r.id, r.uuid, r.name, r.created_at, r.updated_at) for r in rows}
    if not ids:
        return []
    hosts = select(AggregateHost).where(AggregateHost.aggregate_id.in_(ids))
    for h in s.scalars(hosts.order_by(AggregateHost.id)):
        views[h.aggregate_id].hosts.append(h.host)
    meta = select(AggregateMetadata).where(AggregateMetadata.aggregate_id.in_(ids))
    for m in s.scalars(meta.order_by(AggregateMetadata.id)):
        views[m.aggregate_id].metadata[m.key] = m.value
    return [views[i] for i in ids]


def list_aggregates(db: Database) -> list[AggregateView]:
    with db.reader() as s:
        return _views(s, s.scalars(select(Aggregate).order_by(Aggregate.id)).all())


def find_aggregate(db: Database, aggregate_id: int) -> AggregateView | None:
    with db.reader() as s:
        row = s.get(Aggregate, aggregate_id)
        return _views(s, [row])[0] if row is not None else None


def aggregates_of_host(db: Database, host: str) -> list[AggregateView]:
    """The aggregates ``host`` belongs to."""
    with db.reader() as s:
        stmt = (select(Aggregate).join(AggregateHost, AggregateHost.aggregate_id == Aggregate.id)
                .where(AggregateHost.host == host).order_by(Aggregate.id))
        return _views(s, s.scalars(stmt).all())


def aggregates_of_hosts(db: Database, hosts: Iterable[str]) -> list[AggregateView]:
    """The aggregates any of ``hosts`` belongs to."""
    wanted = list(hosts)
    if not wanted:
        return []
    with db.reader() as s:
        ids = select(AggregateHost.aggregate_id).where(AggregateHost.host.in_(wanted))
        stmt = select(Aggregate).where(Aggregate.id.in_(ids)).order_by(Aggregate.id)
        return _views(s, s.scalars(stmt).all())


def zones_of_hosts(db: Database, hosts: Iterable[str] | None = None) -> dict[str, str]:
    """The availability zone of each host an AZ aggregate holds (of ``hosts``, or all). A host
    is in one zone at most: adding it to a second zone is refused."""
    stmt = (select(AggregateHost.host, AggregateMetadata.value)
            .join(AggregateMetadata,
                  AggregateMetadata.aggregate_id == AggregateHost.aggregate_id)
            .where(AggregateMetadata.key == AZ_KEY)
            .order_by(AggregateHost.aggregate_id))
    if hosts is not None:
        wanted = list(hosts)
        if not wanted:
            return {}
        stmt = stmt.where(AggregateHost.host.in_(wanted))
    with db.reader() as s:
        found: dict[str, str] = {}
        for host, zone in s.execute(stmt):
            found.setdefault(host, zone)
        return found


def metadata_by_host(db: Database, keys: Iterable[str],
                     prefix: str) -> dict[str, dict[str, list[str]]]:
    """For every host in an aggregate with any of ``keys`` (or a key starting with
    ``prefix``): those keys with every value its aggregates give it."""
    wanted = list(keys)
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: ColumnElement[bool] = AggregateMetadata.key.like(f"{escaped}%", escape="\\")
    if wanted:
        condition = or_(condition, AggregateMetadata.key.in_(wanted))
    stmt = (select(AggregateHost.host, AggregateMetadata.key, AggregateMetadata.value)
            .join(AggregateHost,
                  AggregateHost.aggregate_id == AggregateMetadata.aggregate_id)
            .where(condition).order_by(AggregateHost.host, AggregateMetadata.id))
    with db.reader() as s:
        found: dict[str, dict[str, list[str]]] = {}
        for host, key, value in s.execute(stmt):
            values = found.setdefault(host, {}).setdefault(key, [])
            if value not in values:
                values.append(value)
        return found


@retry_on_lock()
def create_aggregate(db: Database, name: str, metadata: dict[str, str]) -> AggregateView:
    try:
        with db.writer() as s:
            if s.scalar(select(Aggregate.id).filter_by(name=name)) is not None:
                raise name_exists(name)
            row = Aggregate(name=name)
            s.add(row)
            s.flush()
            for key, value in metadata.items():
                s.add(AggregateMetadata(aggregate_id=row.id, key=key, value=value))
            s.flush()
            return _views(s, [row])[0]
    except IntegrityError:
        # Another request took the name between our look and our insert.
        raise name_exists(name) from None


@retry_on_lock()
def rename(db: Database, aggregate_id: int, name: str) -> None:
    try:
        with db.writer() as s:
            row = s.get(Aggregate, aggregate_id)
            if row is None:
                raise not_found(aggregate_id)
            clash = s.scalar(select(Aggregate.id).where(Aggregate.name == name,
                                                        Aggregate.id != aggregate_id))
            if clash is not None:
                raise name_exists(name)
            row.name = name
            row.updated_at = utcnow()
    except IntegrityError:
        raise name_exists(name) from None


@retry_on_lock()
def update_metadata(db: Database, aggregate_id: int, changes: dict[str, str | None]) -> None:
    """Set each key to its value; a None value removes the key (a missing one is no error)."""
    with db.writer() as s:
        row = s.get(Aggregate, aggregate_id)
        if row is None:
            raise not_found(aggregate_id)
        current = {m.key: m for m in s.scalars(
            select(AggregateMetadata).filter_by(aggregate_id=aggregate_id))}
        for key, value in changes.items():
            item = current.get(key)
            if value is None:
                if item is not None:
                    s.delete(item)
            elif item is None:
                s.add(AggregateMetadata(aggregate_id=aggregate_id, key=key, value=value))
            else:
                item.value = value
        row.updated_at = utcnow()


@retry_on_lock()
def delete_aggregate(db: Database, aggregate_id: int) -> None:
    with db.writer() as s:
        row = s.get(Aggregate, aggregate_id)
        if row is None:
            raise not_found(aggregate_id)
        # Explicitly, not only by the foreign keys' cascade: a database without enforced
        # foreign keys must not keep orphans.
        s.execute(delete(AggregateHost).filter_by(aggregate_id=aggregate_id))
        s.execute(delete(AggregateMetadata).filter_by(aggregate_id=aggregate_id))
        s.delete(row)


@retry_on_lock()
def add_host(db: Database, aggregate_id: int, host: str) -> None:
    try:
        with db.writer() as s:
            if s.get(Aggregate, aggregate_id) is None:
                raise not_found(aggregate_id)
            found = s.scalar(select(AggregateHost.id).filter_by(aggregate_id=aggregate_id,
                                                                host=host))
            if found is not None:
                raise Conflict(f"Aggregate {aggregate_id} already has host {host}.")
            s.add(AggregateHost(aggregate_id=aggregate_id, host=host))
    except IntegrityError:
        raise Conflict(f"Aggregate {aggregate_id} already has host {host}.") from None


@retry_on_lock()
def remove_host(db: Database, aggregate_id: int, host: str) -> bool:
    """Take ``host`` out of the aggregate; False when it was not in it."""
    with db.writer() as s:
        gone = s.execute(delete(AggregateHost).filter_by(aggregate_id=aggregate_id, host=host))
        return bool(getattr(gone, "rowcount", 0))


@retry_on_lock()
def forget_host(db: Database, host: str) -> None:
    """Take ``host`` out of every aggregate (its service was deleted)."""
    with db.writer() as s:
        s.execute(delete(AggregateHost).filter_by(host=host))
