"""A compute agent's start-up recovery: the work a crash cut short on its host, taken up.

As Nova's ``init_host``, but resuming rather than failing where that is safe. For each server
placed on the host, by what it was doing:

- a build (``networking``/``spawning``) is resumed: the ports it had made are cleaned or
  reused, its allocation claimed again (a replacement, so never twice) and the guest spawned
  again. A driver that cannot spawn a guest twice, or a resume that fails, puts the server in
  ERROR with a fault that says so, its ports and allocation released;
- an action (reboot, stop, start, pause, unpause, suspend, resume) is run again; when that
  fails the server takes the state its host reports of the guest (ERROR if the guest is gone);
- a snapshot ends: its image is kept if the upload had finished, deleted otherwise;
- a delete is finished, releasing the allocation, the ports and the volume attachments (and
  the unfinished image of a snapshot it took over); a deferred delete or a restore is done
  again;
- a volume attach or detach (of a server that is otherwise idle) is done again.

Guests of servers that no longer exist, and of servers evacuated from the host while it was
down, are destroyed. Each server recovered gets one INFO line.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from nimbus.compute.agent.lifecycle import LifecycleWork
from nimbus.compute.agent.work import GuestWork
from nimbus.compute.db import actions, housekeeping
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.db.models import Instance
from nimbus.compute.errors import Interrupted
from nimbus.compute.manager.guests import request_spec_of
from nimbus.compute.manager.snapshots import SNAPSHOT_TASKS
from nimbus.compute.states import (
    ACTION_OF_TASK,
    GUEST_STATES,
    AttachmentStatus,
    TaskState,
    VmState,
)
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)
# Recovery acts for no request: its events join each server's latest action.
_CTX: dict[str, str] = {}


def recover(work: GuestWork, parallel: int = 1) -> None:
    """Take up every server of ``work``'s host that a crash left in the middle of something,
    ``parallel`` at a time (as many as the agent builds at once)."""
    rows = db.instances_on_host(work.db, work.host)

    def one(row: Instance) -> None:
        try:
            _recover(work, row)
        except Exception as exc:
            # One server that cannot be recovered must not keep the others waiting.
            LOG.warning("could not recover instance %s (%s/%s): %s", row.uuid, row.vm_state,
                        row.task_state, exc, exc_info=not isinstance(exc, NimbusError))

    with ThreadPoolExecutor(max(1, parallel), thread_name_prefix=f"recover-{work.host}") as pool:
        list(pool.map(one, rows))
    _drop_evacuated(work)
    _reap(work, {row.uuid for row in rows})


def _recover(work: GuestWork, row: Instance) -> None:
    task = row.task_state
    if task == TaskState.DELETING:
        LOG.info("instance %s was being deleted when the agent stopped; finishing the delete",
                 row.uuid)
        if row.snapshot_image_id:
            # Taken over in the middle of a snapshot: its image would never be finished.
            work.deps.snapshots.drop_unfinished(row.snapshot_image_id)
        work.terminate(_CTX, row)
    elif row.vm_state == VmState.BUILDING:
        _resume_build(work, row)
    elif task in ACTION_OF_TASK:
        _finish_action(work, row)
    elif task in SNAPSHOT_TASKS:
        _end_snapshot(work, row)
    elif task in (TaskState.SOFT_DELETING, TaskState.RESTORING):
        LOG.info("instance %s was %s when the agent stopped; doing it again", row.uuid, task)
        lifecycle = LifecycleWork(work)
        (lifecycle.soft_delete if task == TaskState.SOFT_DELETING else lifecycle.restore)(
            _CTX, row)
    elif task is None and row.vm_state in GUEST_STATES:
        _settle_volumes(work, row)


def _resume_build(work: GuestWork, row: Instance) -> None:
    task = row.task_state
    requested = list(row.requested_networks or [])
    if task not in (TaskState.NETWORKING, TaskState.SPAWNING):
        reason = f"was left in task {task}"
    elif not work.driver.spawns_again:
        reason = f"its driver cannot spawn a guest again ({task})"
    else:
        try:
            work.ensure_allocation(row)
        except NimbusError as exc:
            reason = f"its allocation could not be claimed again: {exc.message}"
        else:
            LOG.info("instance %s was being built (%s) when the agent stopped; resuming the "
                     "build", row.uuid, task)
            work.build(_CTX, row, request_spec_of(row), resumed=True)
            return
    LOG.info("instance %s was being built (%s) when the agent stopped and cannot be resumed "
             "(%s); putting it in ERROR", row.uuid, task, reason)
    work.fail_build(row.uuid, list(row.ports or []), requested,
                    Interrupted(what="Build", uuid=row.uuid, outcome=f"failed: {reason}."))


def _finish_action(work: GuestWork, row: Instance) -> None:
    task = str(row.task_state)
    action, hard = ACTION_OF_TASK[task]
    if work.act(_CTX, row, action, hard, recovering=True):
        LOG.info("instance %s was %s when the agent stopped; finished the %s", row.uuid, task,
                 action)
        return
    after = db.find_instance(work.db, row.uuid)
    LOG.info("instance %s was %s when the agent stopped and the %s failed again; it is now %s "
             "as its host reports", row.uuid, task, action,
             after.vm_state if after is not None else "gone")


def _end_snapshot(work: GuestWork, row: Instance) -> None:
    snapshots = work.deps.snapshots
    image_id = row.snapshot_image_id
    outcome = snapshots.drop_unfinished(image_id) if image_id else "absent"
    snapshots.end_task(row.uuid)
    event = actions.start_event(work.db, _CTX, row.uuid, "compute_snapshot_instance",
                                work.host)
    if outcome == "active":
        actions.finish_event(work.db, event, "Success")
    else:
        fault = Interrupted(what="Snapshot", uuid=row.uuid,
                            outcome=f"was abandoned (its image {image_id}: {outcome}).")
        actions.finish_event(work.db, event, "Error", traceback=fault.message)
    LOG.info("instance %s was snapshotting (%s) when the agent stopped; image %s: %s, task "
             "cleared", row.uuid, row.task_state, image_id, outcome)


def _settle_volumes(work: GuestWork, row: Instance) -> None:
    for bdm in bdms_db.attachments_of(work.db, row.uuid):
        if bdm.status == AttachmentStatus.ATTACHING:
            LOG.info("volume %s was being attached to instance %s when the agent stopped; "
                     "attaching it again", bdm.volume_id, row.uuid)
            work.attach(_CTX, row, bdm)
        elif bdm.status == AttachmentStatus.DETACHING:
            LOG.info("volume %s was being detached from instance %s when the agent stopped; "
                     "finishing the detach", bdm.volume_id, row.uuid)
            work.detach(_CTX, row, bdm)


def _drop_evacuated(work: GuestWork) -> None:
    """Destroy the guests of servers evacuated from this host while it was down (rebuilt on
    another one since): what is left here must never run again beside them."""
    for migration in housekeeping.evacuations_from(work.db, work.host):
        row = db.find_instance(work.db, migration.instance_uuid)
        if row is not None and row.host == work.host:
            continue    # not rebuilt elsewhere yet: its guest here is still the one
        if migration.instance_uuid in work.driver.list_instances():
            LOG.info("instance %s was evacuated from %s while it was down; destroying its "
                     "guest here", migration.instance_uuid, work.host)
            try:
                work.driver.destroy({"uuid": migration.instance_uuid, "metadata": {}})
            except NimbusError as exc:
                LOG.warning("could not destroy evacuated guest %s: %s",
                            migration.instance_uuid, exc)
                continue
        migrations.update_migration(work.db, migration.uuid, status="completed")


def _reap(work: GuestWork, placed_here: set[str]) -> None:
    """Destroy the guests of servers that no longer exist anywhere."""
    guests = [u for u in work.driver.list_instances() if u not in placed_here]
    alive = db.existing_uuids(work.db, guests)
    for uuid in guests:
        if uuid in alive:
            continue
        LOG.info("guest %s on %s belongs to no server; destroying it", uuid, work.host)
        try:
            work.driver.destroy({"uuid": uuid, "metadata": {}})
        except NimbusError as exc:
            LOG.warning("could not destroy guest %s: %s", uuid, exc)
