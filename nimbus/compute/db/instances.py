"""Queries and updates on servers, shared by the API side, the scheduler and the agent.

Every write of ``vm_state`` and ``task_state`` happens here, through the machines in
``states.py``; the tags are written with their ``InstanceTag`` rows in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, and_, delete, exists, not_, select
from sqlalchemy.orm import Session, defer, load_only
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from nimbus.compute.db import usage
from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import (
    Instance,
    InstanceAction,
    InstanceActionEvent,
    InstanceTag,
    VolumeAttachment,
)
from nimbus.compute.errors import instance_not_found
from nimbus.compute.states import TASK_STATE, VM_STATE, TaskState, VmState
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest

# The API's sort keys (Nova's names) and the columns they sort on; ``id`` breaks ties.
SORT_COLUMNS = dict({
    "access_ip_v4": Instance.access_ipv4, "access_ip_v6": Instance.access_ipv6,
    "availability_zone": Instance.availability_zone, "config_drive": Instance.config_drive,
    "created_at": Instance.created_at, "display_description": Instance.description,
    "display_name": Instance.name, "host": Instance.host, "hostname": Instance.hostname,
    "image_ref": Instance.image_ref, "instance_type_id": Instance.flavor_id,
    "key_name": Instance.key_name, "launched_at": Instance.launched_at,
    "locked": Instance.locked, "locked_by": Instance.locked_by, "node": Instance.node,
    "power_state": Instance.power_state, "project_id": Instance.project_id,
    "task_state": Instance.task_state, "updated_at": Instance.updated_at,
    "user_id": Instance.user_id, "uuid": Instance.uuid, "vm_state": Instance.vm_state,
    "id": Instance.id,
})
DEFAULT_SORT = (("created_at", "desc"),)
# ``update_instance`` leaves these alone: the machines and ``set_tags`` own them.
_OWN_WRITERS = {"tags"}


@dataclass
class InstanceFilters:
    """What a server list selects; None means "no condition"."""

    project_id: str | None = None
    # Nova treats the name filter as a regular expression.
    name: str | None = None
    vm_states: list[str] | None = None
    image: str | None = None
    flavor: str | None = None
    host: str | None = None
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_tags_any: list[str] = field(default_factory=list)
    reservation_id: str | None = None
    # Changed at or after / at or before these (naive UTC) times.
    changes_since: dt.datetime | None = None
    changes_before: dt.datetime | None = None
    # Only these servers (those whose addresses an ``ip`` filter matched).
    uuids: list[str] | None = None


def get_instance(db: Database, uuid: str) -> Instance:
    row = find_instance(db, uuid)
    if row is None:
        raise instance_not_found(uuid)
    return row


def find_instance(db: Database, uuid: str) -> Instance | None:
    if not storable_id(uuid, 36):
        return None
    with db.reader() as s:
        return s.scalar(select(Instance).filter_by(uuid=uuid))


def vm_state_of(db: Database, uuid: str) -> str | None:
    """Only the server's vm_state (None when it is gone): a look cheap enough to repeat."""
    with db.reader() as s:
        return s.scalar(select(Instance.vm_state).filter_by(uuid=uuid))


def waiting_for_scheduler(db: Database) -> list[Instance]:
    """Servers being built that no host was chosen for yet, oldest first."""
    with db.reader() as s:
        stmt = select(Instance).where(Instance.vm_state == VmState.BUILDING,
                                      Instance.task_state == TaskState.SCHEDULING,
                                      Instance.host.is_(None))
        return list(s.scalars(stmt.order_by(Instance.id)))


def deleting_without_host(db: Database) -> list[Instance]:
    """Servers whose delete started where no agent would finish it (never scheduled)."""
    with db.reader() as s:
        stmt = select(Instance).where(Instance.task_state == TaskState.DELETING,
                                      Instance.host.is_(None))
        return list(s.scalars(stmt.order_by(Instance.id)))


def instances_on_host(db: Database, host: str) -> list[Instance]:
    """Every server placed on ``host``, oldest first."""
    with db.reader() as s:
        return list(s.scalars(select(Instance).filter_by(host=host).order_by(Instance.id)))


def existing_uuids(db: Database, uuids: Sequence[str]) -> set[str]:
    """Which of ``uuids`` are servers that still exist."""
    if not uuids:
        return set()
    with db.reader() as s:
        return set(s.scalars(select(Instance.uuid).where(Instance.uuid.in_(list(uuids)))))


@retry_on_lock()
def create_instance(db: Database, values: dict[str, Any],
                    attachments: Sequence[dict[str, Any]] = ()) -> Instance:
    """Record a new server with the volumes it is created with, in one transaction."""
    VM_STATE.start(values["vm_state"])
    TASK_STATE.start(values.get("task_state"))
    with db.writer() as s:
        row = Instance(**values)
        s.add(row)
        s.flush()
        _write_tags(s, row.uuid, list(values.get("tags") or []))
        for bdm in attachments:
            s.add(VolumeAttachment(**bdm))
        s.flush()
        return row


@retry_on_lock()
def update_instance(db: Database, uuid: str, expected_task: Any = ...,
                    **values: Any) -> Instance | None:
    """Set ``values`` on the server; None when it is gone or its task_state is not
    ``expected_task``. ``vm_state`` and ``task_state`` move through their state machines: a move
    they do not declare is a 409 and changes nothing."""
    assert not _OWN_WRITERS & set(values), "tags are written by set_tags"
    with db.writer() as s:
        row = s.scalar(select(Instance).filter_by(uuid=uuid))
        if row is None:
            return None
        if expected_task is not ... and row.task_state != expected_task:
            return None
        if "vm_state" in values:
            VM_STATE.move(row, values.pop("vm_state"), id_attr="uuid")
        if "task_state" in values:
            TASK_STATE.move(row, values.pop("task_state"), id_attr="uuid")
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        s.flush()
        return row


@retry_on_lock()
def set_tags(db: Database, uuid: str, tags: list[str]) -> Instance | None:
    """Replace the server's tags; None when it is gone."""
    with db.writer() as s:
        row = s.scalar(select(Instance).filter_by(uuid=uuid))
        if row is None:
            return None
        row.tags = list(tags)
        row.updated_at = utcnow()
        s.execute(delete(InstanceTag).filter_by(instance_uuid=uuid))
        _write_tags(s, uuid, tags)
        s.flush()
        return row


def _write_tags(s: Session, uuid: str, tags: list[str]) -> None:
    for tag in dict.fromkeys(tags):
        s.add(InstanceTag(instance_uuid=uuid, tag=tag))


@retry_on_lock()
def destroy_instance(db: Database, uuid: str) -> None:
    with db.writer() as s:
        # Usage reports still count the time a deleted server ran.
        usage.record_deleted(s, uuid)
        s.execute(delete(VolumeAttachment).filter_by(instance_uuid=uuid))
        s.execute(delete(InstanceTag).filter_by(instance_uuid=uuid))
        s.execute(delete(Instance).filter_by(uuid=uuid))


def remove_unscheduled(db: Database, uuid: str) -> None:
    """Remove a server that was recorded but never scheduled (its request was refused after
    all): it leaves nothing behind, not even a usage record."""
    with db.writer() as s:
        s.execute(delete(VolumeAttachment).filter_by(instance_uuid=uuid))
        s.execute(delete(InstanceTag).filter_by(instance_uuid=uuid))
        actions = select(InstanceAction.id).filter_by(instance_uuid=uuid)
        s.execute(delete(InstanceActionEvent).where(InstanceActionEvent.action_id.in_(actions)))
        s.execute(delete(InstanceAction).filter_by(instance_uuid=uuid))
        s.execute(delete(Instance).filter_by(uuid=uuid))


def _name_pattern(name: str) -> str:
    """The regular expression to match names with; one that does not compile is matched
    literally, as before."""
    try:
        re.compile(name)
    except re.error:
        return re.escape(name)
    return name


def _has_tags(tags: list[str]) -> ColumnElement[bool]:
    """The server has every one of ``tags``."""
    return and_(*(exists().where(InstanceTag.instance_uuid == Instance.uuid,
                                 InstanceTag.tag == tag) for tag in tags))


def _has_any_tag(tags: list[str]) -> ColumnElement[bool]:
    return exists().where(InstanceTag.instance_uuid == Instance.uuid, InstanceTag.tag.in_(tags))


def _filtered(filters: InstanceFilters) -> Select[Any]:
    stmt = select(Instance)
    if filters.project_id:
        stmt = stmt.filter_by(project_id=filters.project_id)
    if filters.vm_states is not None:
        stmt = stmt.where(Instance.vm_state.in_(filters.vm_states))
    if filters.image:
        stmt = stmt.filter_by(image_ref=filters.image)
    if filters.flavor:
        stmt = stmt.filter_by(flavor_id=filters.flavor)
    if filters.host:
        stmt = stmt.filter_by(host=filters.host)
    if filters.name:
        stmt = stmt.where(Instance.name.regexp_match(_name_pattern(filters.name)))
    if filters.reservation_id:
        stmt = stmt.filter_by(reservation_id=filters.reservation_id)
    if filters.changes_since is not None:
        stmt = stmt.where(Instance.updated_at >= filters.changes_since)
    if filters.changes_before is not None:
        stmt = stmt.where(Instance.updated_at <= filters.changes_before)
    if filters.uuids is not None:
        stmt = stmt.where(Instance.uuid.in_(filters.uuids))
    if filters.tags:
        stmt = stmt.where(_has_tags(filters.tags))
    if filters.tags_any:
        stmt = stmt.where(_has_any_tag(filters.tags_any))
    if filters.not_tags:
        stmt = stmt.where(not_(_has_tags(filters.not_tags)))
    if filters.not_tags_any:
        stmt = stmt.where(not_(_has_any_tag(filters.not_tags_any)))
    return stmt


# What a list reads of each server. ``brief``: its uuid and name, all ``GET /servers`` shows.
# ``detail``: what ``/servers/detail`` shows, which leaves out what the scheduler and a resize
# keep (the request spec, the requested networks, the old and new flavors) and the key and
# password; the request spec is read only for the servers without a host (whose zone is the
# one they asked for). ``detail_spec``: with every server's request spec, which the detail
# shows parts of from 2.96. A thousand whole rows cost more to read than to show; reading an
# attribute that was left out raises.
Shown = Literal["brief", "detail", "detail_spec"]
_NOT_LISTED = (Instance.requested_networks, Instance.old_flavor, Instance.new_flavor,
               Instance.key_data, Instance.server_password)


def page_instances(db: Database, query: PageQuery, filters: InstanceFilters,
                   max_limit: int, shown: Shown = "detail_spec") -> Page[Instance]:
    """One page of the servers ``filters`` select, newest first unless asked otherwise. The
    marker may be any server, as Nova looks it up regardless of the filters."""
    stmt = _filtered(filters)
    if shown == "brief":
        stmt = stmt.options(load_only(Instance.uuid, Instance.name, raiseload=True))
    else:
        left_out = _NOT_LISTED if shown == "detail_spec" \
            else (*_NOT_LISTED, Instance.request_spec)
        stmt = stmt.options(*(defer(column, raiseload=True) for column in left_out))
    with db.reader() as s:
        found = page(s, stmt, query, columns=SORT_COLUMNS, tiebreak="id",
                     default_sort=DEFAULT_SORT, marker_column=SORT_COLUMNS["uuid"],
                     marker_stmt=select(Instance), max_limit=max_limit,
                     bad_marker=lambda m: BadRequest(f"marker [{m}] not found"))
        hostless = {row.id: row for row in found.items if not row.host} \
            if shown == "detail" else {}
        if hostless:
            specs = s.execute(select(Instance.id, Instance.request_spec)
                              .where(Instance.id.in_(list(hostless))))
            for row_id, spec in specs:
                set_committed_value(hostless[row_id], "request_spec", spec)
        return found


def fixed_addresses(db: Database, project_id: str | None) -> dict[str, list[str]]:
    """Each server's fixed IP addresses (of the project's servers, or of every server)."""
    with db.reader() as s:
        stmt = select(Instance.uuid, Instance.ports)
        if project_id:
            stmt = stmt.where(Instance.project_id == project_id)
        return {uuid: [str(ip.get("ip_address", "")) for port in ports or []
                       for ip in port.get("fixed_ips", [])]
                for uuid, ports in s.execute(stmt)}


def flavors_in_use(db: Database, project_id: str) -> list[dict[str, Any]]:
    """The flavor of each of the project's servers, for its usage counts."""
    with db.reader() as s:
        stmt = select(Instance.flavor).filter_by(project_id=project_id)
        return [dict(flavor or {}) for flavor in s.scalars(stmt)]


def find_instances(db: Database, uuids: Sequence[str]) -> dict[str, Instance]:
    """The servers among ``uuids`` that exist, by uuid, in one query."""
    wanted = [u for u in uuids if storable_id(u, 36)]
    if not wanted:
        return {}
    with db.reader() as s:
        return {row.uuid: row for row in s.scalars(select(Instance)
                                                    .where(Instance.uuid.in_(wanted)))}


@retry_on_lock()
def record_hosts(db: Database, hosts: dict[str, str]) -> set[str]:
    """Give each server its host (``{uuid: host}``) as ``update_instance`` would, in one
    transaction for many: only a server still waiting for one (scheduling, no host) takes it,
    and moves on to networking. The uuids that took their host."""
    if not hosts:
        return set()
    with db.writer() as s:
        rows = s.scalars(select(Instance).where(Instance.uuid.in_(list(hosts)))
                         .with_for_update())
        done = set()
        for row in rows:
            if row.task_state != TaskState.SCHEDULING or row.host:
                continue
            TASK_STATE.move(row, TaskState.NETWORKING, id_attr="uuid")
            row.host = row.node = hosts[row.uuid]
            row.updated_at = utcnow()
            done.add(row.uuid)
        s.flush()
        return done
