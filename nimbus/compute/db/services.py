"""The compute binaries' records: the registry's rows (who runs where, enabled or not) and the
operator's ``forced_down`` kept beside them, and the servers each host holds."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, delete, func, select

from nimbus.compute.db.models import Instance, ServiceState
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.models import ServiceRecord
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest

_COLUMNS = {"id": ServiceRecord.id}

_NODE_BITS = (1 << 48) - 1


def record_uuid(kind: str, host: str, record_id: int) -> str:
    """The UUID a service (``kind`` its binary) or hypervisor (``kind`` "hypervisor") shows from
    2.53: derived from what it is and where it runs, its last twelve digits its registry row's id,
    so that a UUID leads back to its row in one query (and a service deleted and registered
    again gets a new one, as in Nova)."""
    base = uuid.uuid5(uuid.NAMESPACE_URL, f"nimbus:{kind}:{host}").int
    return str(uuid.UUID(int=(base & ~_NODE_BITS) | (record_id & _NODE_BITS)))


def record_id_of(value: str) -> int | None:
    """The registry row id a ``record_uuid`` names, or None for text that is no UUID."""
    try:
        return uuid.UUID(value).int & _NODE_BITS
    except (ValueError, AttributeError, TypeError):
        return None


@dataclass
class Service:
    """One binary on one host as the os-services and hypervisor APIs show it."""

    id: int
    binary: str
    host: str
    disabled: bool
    disabled_reason: str | None
    forced_down: bool
    # Heartbeating and not forced down (Nova's ``service_is_up``).
    up: bool
    updated_at: dt.datetime
    zone: str
    # What the agent said of its host when it started (``cpu_info``...).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def uuid(self) -> str:
        return record_uuid(self.binary, self.host, self.id)

    @property
    def hypervisor_uuid(self) -> str:
        return record_uuid("hypervisor", self.host, self.id)

    @property
    def enabled(self) -> bool:
        return not self.disabled and not self.forced_down


@dataclass
class Hypervisor:
    """A compute service seen as a hypervisor; ``resources`` and ``servers`` are filled for
    the views that show them."""

    service: Service
    resources: dict[str, int] = field(default_factory=dict)
    servers: list[tuple[str, str]] | None = None

    @property
    def host(self) -> str:
        return self.service.host


def find_record(db: Database, record_id: int) -> ServiceRecord | None:
    with db.reader() as s:
        return s.get(ServiceRecord, record_id)


def all_records(db: Database) -> list[ServiceRecord]:
    with db.reader() as s:
        return list(s.scalars(select(ServiceRecord).order_by(ServiceRecord.id)))


def find_by_host(db: Database, binary: str, host: str) -> ServiceRecord | None:
    with db.reader() as s:
        return s.scalar(select(ServiceRecord).filter_by(binary=binary, host=host))


def page_records(db: Database, binary: str, query: PageQuery,
                 max_limit: int) -> Page[ServiceRecord]:
    """One page of ``binary``'s records by id; the marker is a record id (as text)."""
    with db.reader() as s:
        stmt = select(ServiceRecord).where(ServiceRecord.binary == binary)
        return page(s, stmt, query, columns=_COLUMNS, tiebreak="id",
                    default_sort=(("id", "asc"),), marker_column=cast(ServiceRecord.id, String),
                    max_limit=max_limit,
                    bad_marker=lambda m: BadRequest(f"marker [{m}] not found"))


def matching_hosts(db: Database, binary: str, pattern: str) -> list[ServiceRecord]:
    """The records whose host contains ``pattern`` (Nova's hypervisor search is a LIKE)."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with db.reader() as s:
        stmt = select(ServiceRecord).where(ServiceRecord.binary == binary,
                                           ServiceRecord.host.like(f"%{escaped}%", escape="\\"))
        return list(s.scalars(stmt.order_by(ServiceRecord.id)))


def forced_down(db: Database, hosts: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """The (binary, host) pairs forced down, of ``hosts`` or all."""
    stmt = select(ServiceState.binary, ServiceState.host).where(ServiceState.forced_down.is_(True))
    if hosts is not None:
        wanted = list(hosts)
        if not wanted:
            return set()
        stmt = stmt.where(ServiceState.host.in_(wanted))
    with db.reader() as s:
        return {(binary, host) for binary, host in s.execute(stmt)}


@retry_on_lock()
def set_forced_down(db: Database, binary: str, host: str, value: bool) -> None:
    with db.writer() as s:
        row = s.scalar(select(ServiceState).filter_by(binary=binary, host=host))
        if row is None:
            s.add(ServiceState(binary=binary, host=host, forced_down=value))
        else:
            row.forced_down = value


@retry_on_lock()
def delete_service(db: Database, record_id: int) -> None:
    """Forget the service: its registry row and what the operator set on it."""
    with db.writer() as s:
        row = s.get(ServiceRecord, record_id)
        if row is None:
            return
        s.execute(delete(ServiceState).filter_by(binary=row.binary, host=row.host))
        s.delete(row)


def instance_counts(db: Database, hosts: Iterable[str]) -> dict[str, int]:
    """How many servers each of ``hosts`` holds."""
    wanted = list(hosts)
    if not wanted:
        return {}
    with db.reader() as s:
        stmt = (select(Instance.host, func.count()).where(Instance.host.in_(wanted))
                .group_by(Instance.host))
        return {str(host): int(n) for host, n in s.execute(stmt)}


def busy_counts(db: Database, hosts: Iterable[str]) -> dict[str, int]:
    """How many servers on each of ``hosts`` have a task under way (Nova's current workload)."""
    wanted = list(hosts)
    if not wanted:
        return {}
    with db.reader() as s:
        stmt = (select(Instance.host, func.count())
                .where(Instance.host.in_(wanted), Instance.task_state.is_not(None))
                .group_by(Instance.host))
        return {str(host): int(n) for host, n in s.execute(stmt)}


def flavors_on_host(db: Database, host: str) -> list[tuple[str, dict[str, Any]]]:
    """The (project, flavor) of each server on ``host``, oldest first."""
    with db.reader() as s:
        stmt = (select(Instance.project_id, Instance.flavor).where(Instance.host == host)
                .order_by(Instance.id))
        return [(str(project), dict(flavor or {})) for project, flavor in s.execute(stmt)]


def instances_of_hosts(db: Database, hosts: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """The (uuid, name) of each server on each of ``hosts``, oldest first."""
    wanted = list(hosts)
    if not wanted:
        return {}
    with db.reader() as s:
        stmt = (select(Instance.host, Instance.uuid, Instance.name)
                .where(Instance.host.in_(wanted)).order_by(Instance.id))
        found: dict[str, list[tuple[str, str]]] = {}
        for host, uuid, name in s.execute(stmt):
            found.setdefault(str(host), []).append((uuid, name))
        return found
