"""What the scheduler reads of the hosts' work besides their capacities: where given servers
run (``same_host`` / ``different_host`` hints), how much disk and network work each host has
under way, and how many builds in a row have failed on each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, or_, select

from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import Instance, InstanceActionEvent
from nimbus.compute.states import TaskState, VmState
from nimbus.core.db.engine import Database

# The event an agent records for each build it runs, with its host.
BUILD_EVENT = "compute__do_build_and_run_instance"
# Tasks that keep a host's disks and network busy (Nova counts these, and every server being
# built, as the host's ``io_workload``).
IO_TASKS = (TaskState.RESIZE_MIGRATING, TaskState.REBUILDING, TaskState.RESIZE_PREP,
            TaskState.IMAGE_SNAPSHOT, TaskState.RESCUING, TaskState.UNSHELVING)


def hosts_of(db: Database, uuids: Sequence[str]) -> dict[str, str]:
    """The host of each of the servers ``uuids`` that exists and has one."""
    wanted = [u for u in dict.fromkeys(uuids) if storable_id(u, 36)]
    if not wanted:
        return {}
    with db.reader() as s:
        rows = s.execute(select(Instance.uuid, Instance.host)
                         .where(Instance.uuid.in_(wanted), Instance.host.is_not(None))).all()
    return {str(uuid): str(host) for uuid, host in rows if host}


def io_ops(db: Database) -> dict[str, int]:
    """Servers being built or in an I/O-heavy task, by host."""
    with db.reader() as s:
        rows = s.execute(select(Instance.host, func.count())
                         .where(Instance.host.is_not(None),
                                or_(Instance.vm_state == VmState.BUILDING,
                                    Instance.task_state.in_(IO_TASKS)))
                         .group_by(Instance.host)).all()
    return {str(host): int(count) for host, count in rows if host}


def failed_builds(db: Database) -> dict[str, int]:
    """Builds that failed on each host since the last one that succeeded there (Nova's
    ``failed_builds``: one success wipes the slate)."""
    event = InstanceActionEvent
    # Ordered by the events' ids, not their times: a failure and a success finished within
    # one tick of the clock would otherwise be in no order at all.
    with db.reader() as s:
        succeeded = dict(s.execute(
            select(event.host, func.max(event.id))
            .where(event.event == BUILD_EVENT, event.result == "Success",
                   event.host.is_not(None))
            .group_by(event.host)).all())
        failures = s.execute(
            select(event.host, event.id)
            .where(event.event == BUILD_EVENT, event.result == "Error",
                   event.host.is_not(None))).all()
    counts: Counter[str] = Counter()
    for host, ident in failures:
        last = succeeded.get(host)
        if last is None or ident > last:
            counts[str(host)] += 1
    return dict(counts)
