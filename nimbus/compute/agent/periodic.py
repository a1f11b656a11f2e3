"""A compute agent's periodic work on its host, as Nova's compute manager does it:

- soft-deleted servers whose ``reclaim_instance_interval`` has passed are deleted for good
  (Nova's ``_reclaim_queued_deletes``);
- resizes and cold migrations to this host left in VERIFY_RESIZE longer than
  ``resize_confirm_window`` are confirmed, as their owner would (Nova's
  ``_poll_unconfirmed_resizes``): the confirm goes to the source host like any other.

Each runs only when its setting is above 0; the agent runs them on a thread of its own, once
its start-up recovery is done, a few times per shortest interval so that nothing waits much
longer than it was set to.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from nimbus.compute.agent.work import GuestWork
from nimbus.compute.db import actions, housekeeping
from nimbus.compute.db import instances as db
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.states import TaskState, VmState
from nimbus.core.db.base import utcnow

LOG = logging.getLogger(__name__)
# The work is the host's own, for no request: its actions and events carry no request id.
_CTX: dict[str, Any] = {}
# Seconds between runs: a quarter of the shortest interval, within these bounds.
SHORTEST, LONGEST = 1.0, 60.0


class PeriodicTasks:
    def __init__(self, work: GuestWork, compute_rpc: ComputeAgentAPI) -> None:
        self.work = work
        self.db = work.db
        self.host = work.host
        self.compute_rpc = compute_rpc
        self.reclaim_interval = int(work.deps.reclaim_instance_interval or 0)
        self.confirm_window = int(work.deps.resize_confirm_window or 0)

    def period(self) -> float | None:
        """Seconds between runs, or None when there is nothing to run."""
        intervals = [i for i in (self.reclaim_interval, self.confirm_window) if i > 0]
        if not intervals:
            return None
        return max(SHORTEST, min(LONGEST, min(intervals) / 4))

    def start(self, ready: threading.Event, stop: threading.Event) -> threading.Thread | None:
        """Run the tasks every ``period()`` seconds once ``ready`` is set, until ``stop`` is."""
        period = self.period()
        if period is None:
            return None

        def loop() -> None:
            ready.wait()
            while not stop.wait(period):
                self.run()

        thread = threading.Thread(target=loop, daemon=True, name=f"periodic-{self.host}")
        thread.start()
        return thread

    def run(self, now: dt.datetime | None = None) -> None:
        """Every task once, as of ``now``; one that fails does not keep the other from
        running."""
        now = now or utcnow()
        for task in (self.reclaim, self.confirm_resizes):
            try:
                task(now)
            except Exception:
                LOG.exception("periodic %s on %s failed", task.__name__, self.host)

    def reclaim(self, now: dt.datetime) -> list[str]:
        """Delete the soft-deleted servers whose interval has passed; their uuids."""
        if self.reclaim_interval <= 0:
            return []
        cutoff = now - dt.timedelta(seconds=self.reclaim_interval)
        done = []
        for row in housekeeping.soft_deleted_before(self.db, self.host, cutoff):
            # Unless it was restored or deleted meanwhile.
            taken = db.update_instance(self.db, row.uuid, expected_task=None,
                                       task_state=TaskState.DELETING)
            if taken is None or taken.vm_state != VmState.SOFT_DELETED:
                continue
            LOG.info("reclaiming instance %s, soft-deleted at %s", row.uuid, row.deleted_at)
            self.work.terminate(_CTX, taken)
            done.append(row.uuid)
        return done

    def confirm_resizes(self, now: dt.datetime) -> list[str]:
        """Confirm the resizes to this host that waited longer than the window; the uuids
        of their servers."""
        if self.confirm_window <= 0:
            return []
        cutoff = now - dt.timedelta(seconds=self.confirm_window)
        done = []
        for migration in housekeeping.resizes_unconfirmed_before(self.db, self.host, cutoff):
            row = db.find_instance(self.db, migration.instance_uuid)
            if row is None or row.vm_state != VmState.RESIZED:
                # Gone, or no longer waiting for a confirm (ERROR, reset): as Nova does, the
                # migration is over and failed.
                LOG.info("resize %s of instance %s waits for a confirm no longer (%s)",
                         migration.uuid, migration.instance_uuid,
                         "gone" if row is None else row.vm_state)
                migrations.update_migration(self.db, migration.uuid, status="error")
                continue
            taken = db.update_instance(self.db, row.uuid, expected_task=None,
                                       task_state=TaskState.RESIZE_CONFIRMING)
            if taken is None:
                continue    # busy (a confirm or revert the owner asked for): theirs wins
            LOG.info("confirming the resize of instance %s, unconfirmed since %s", row.uuid,
                     migration.updated_at or migration.created_at)
            actions.record_action(self.db, _CTX, row.uuid, "confirmResize")
            self.compute_rpc.confirm_resize(_CTX, str(migration.source_compute), row.uuid,
                                            migration.uuid)
            done.append(row.uuid)
        return done
