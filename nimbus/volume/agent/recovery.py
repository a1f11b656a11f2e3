"""What a crash left on this agent's backend, put right when the agent starts.

Cinder's ``init_host`` fails what was in flight; this resumes it where that is safe:

- a volume ``creating`` is created again when the driver's creates are ``resumable`` (the create
  was acknowledged to its owner), else it goes to ``error``; a volume ``creating`` that no
  backend took (its placement was lost) is taken by the first agent to start and created;
- a volume ``deleting`` is deleted (a driver's delete of what is already gone succeeds);
- ``extending`` goes to ``error_extending`` as in Cinder (the size asked for travelled only in
  the lost message), an image download to ``error``, a backup restore to ``error_restoring``;
- ``attaching``, ``detaching`` and the other statuses only a consumer's next call would end go
  back to what the attachments say (in-use, reserved or available), after an attachment whose
  connection was never completed goes back to ``reserved`` and a detach cut short back to
  ``attached``; the consumer may still complete or delete it;
- a snapshot ``creating`` is taken again (or ``error``), one ``deleting`` is deleted (its
  volume's deletion takes it when that volume is being deleted too);
- a backup ``deleting`` is deleted, one ``creating`` goes to ``error`` (its temporary snapshot
  dropped), one ``restoring`` is ``available`` again (``agent/backup_ops.py``).

Each failure carries a user message. Decisions and status writes are made at once; driver work
goes to a small pool, so the agent serves its topic without waiting for it. The same claims as
the RPC handlers' keep a resource from being worked on twice: a message for it delivered again
is dropped. A second pass after the agent began to serve (``resume_only``) takes the work whose
message went to a queue nobody listened to yet; it looks only at rows changed before then and
fails nothing whose message may still come.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.volume import constants, states
from nimbus.volume.agent.backup_ops import BackupOps
from nimbus.volume.agent.work import VolumeWork, snapshot_key
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes

LOG = logging.getLogger(__name__)

_FAULTS = {
    states.EXTENDING: constants.EXTEND_INTERRUPTED,
    states.REVERTING: constants.REVERT_INTERRUPTED,
    states.DOWNLOADING: constants.DOWNLOAD_INTERRUPTED,
    states.RESTORING_BACKUP: constants.RESTORE_INTERRUPTED,
}
# An attachment left in the first status goes back to the second.
_ATTACHMENT_ROLLBACK = {states.ATTACH_ATTACHING: states.ATTACH_RESERVED,
                        states.ATTACH_DETACHING: states.ATTACHED}


class Reconciler:
    """Runs the start-up passes for one agent; a worker the cloud stops with the agent."""

    def __init__(self, work: VolumeWork, pool_size: int = 2,
                 backups: BackupOps | None = None) -> None:
        self.work = work
        # Backups in flight on this agent (``BackupOps.recover``).
        self.backups = backups
        self._pool = ThreadPoolExecutor(max_workers=pool_size,
                                        thread_name_prefix="volume-recovery")
        self._futures: list[Future[None]] = []
        # Resources whose resumed work waits in the pool or runs: a later pass leaves them be.
        self._queued: set[str] = set()
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return self.work.host

    def run(self, resume_only: bool = False, changed_before: dt.datetime | None = None) -> int:
        """One pass; how many resources it acted on (their driver work may still run)."""
        phases: list[tuple[str, Callable[[], int]]] = [
            ("unplaced volumes", self._unplaced),
            ("volumes", partial(self._volumes, changed_before, may_fail=not resume_only)),
            ("snapshots", partial(self._snapshots, changed_before, may_fail=not resume_only)),
        ]
        if not resume_only:
            phases[:0] = [("attachments", self._attachments), ("moves", self._moves),
                          ("volumes", self._unresumable)]
        if self.backups is not None:
            phases.append(("backups", partial(self.backups.recover, self._in_hand, self._submit,
                                              changed_before, not resume_only)))
        acted = 0
        for name, phase in phases:
            try:
                acted += phase()
            except Exception:  # a bug in one phase must not keep the agent from serving
                LOG.exception("reconciling the %s of %s failed", name, self.host)
        return acted

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the driver work the passes started (tests, and an orderly stop)."""
        wait(list(self._futures), timeout=timeout)

    def stop(self) -> None:
        """Drop the work not begun; give what runs a moment to write its outcome (whatever is
        cut short, the next start resumes)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.wait(timeout=2)

    def _in_hand(self, key: str) -> bool:
        """Whether this agent is already on ``key``: resumed work queued, or any work running."""
        with self._lock:
            return key in self._queued or self.work.claims.busy(key)

    def _submit(self, key: str, job: Callable[[], object], what: str) -> None:
        def run() -> None:
            try:
                job()
            except Exception:  # the work logs its own failures; this is a bug's last stop
                LOG.exception("resuming %s failed", what)
            finally:
                with self._lock:
                    self._queued.discard(key)

        with self._lock:
            self._queued.add(key)
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(self._pool.submit(run))

    # -- volumes -------------------------------------------------------------------------------
    @retry_on_lock()
    def _moves(self) -> int:
        """Moves to another backend that a stop cut short failed: the volume stays here (its
        data goes only once the record points at the copy), told ``error``."""
        acted = 0
        with self.work.db.writer() as s:
            for row in db_volumes.moving_from(s, self.host):
                if self._in_hand(row.id):
                    continue
                row.migration_status = "error"
                if row.status in (states.RETYPING, states.MAINTENANCE):
                    states.VOLUME_STATUS.move(row, states.AVAILABLE)
                row.updated_at = utcnow()
                db_messages.record(s, project_id=row.project_id,
                                   resource_type=constants.RESOURCE_VOLUME, resource_uuid=row.id,
                                   fault=constants.MIGRATE_INTERRUPTED, request_id=None)
                LOG.info("volume %s was moving from %s when the volume service stopped: it "
                         "stays", row.id, self.host)
                acted += 1
        return acted

    def _unresumable(self) -> int:
        """Fail what cannot go on, and settle what the attachments decide."""
        with self.work.db.reader() as s:
            # An extend that waits for compute to grow the volume is compute's to finish.
            rows = [(r.id, r.status) for r in db_volumes.of_host(
                s, self.host, set(_FAULTS) | states.SETTLED_AFTER_RESTART)
                if constants.EXTEND_NEW_SIZE not in (r.admin_metadata or {})]
        acted = 0
        for volume_id, status in rows:
            if self._in_hand(volume_id):
                continue
            if status in _FAULTS:
                target = states.FAILED_AFTER_RESTART[status]
                if self.work.finish(volume_id, status, target, _FAULTS[status]):
                    acted += 1
                    LOG.info("volume %s was %s when the volume service stopped: set to %s",
                             volume_id, status, target)
                continue
            settled = self.work.settle(volume_id, status)
            if settled is not None:
                acted += 1
                LOG.info("volume %s was %s when the volume service stopped: back to %s (%s), "
                         "as its attachments say", volume_id, status, *settled)
        return acted

    def _unplaced(self) -> int:
        """Volumes ``creating`` with no host: their placement was lost. Take them."""
        with self.work.db.reader() as s:
            ids = db_volumes.unplaced(s, states.CREATING)
        acted = 0
        for volume_id in ids:
            host = self.work.place(volume_id)
            if host is None:
                continue
            acted += 1
            LOG.info("volume %s was creating with no backend host: taken by %s", volume_id,
                     host)
            self._resume_create(volume_id)
        return acted

    def _volumes(self, changed_before: dt.datetime | None, may_fail: bool) -> int:
        with self.work.db.reader() as s:
            rows = [(r.id, r.status) for r in db_volumes.of_host(
                s, self.host, {states.CREATING, states.DELETING}, changed_before)]
        acted = 0
        for volume_id, status in rows:
            if self._in_hand(volume_id):
                continue
            if status == states.DELETING:
                acted += 1
                LOG.info("volume %s was deleting when the volume service stopped: deleting it",
                         volume_id)
                self._submit(volume_id, partial(self.work.delete, volume_id),
                             f"volume {volume_id}")
            elif self._resume_create(volume_id, may_fail):
                acted += 1
        return acted

    def _resume_create(self, volume_id: str, may_fail: bool = True) -> bool:
        if self.work.driver.resumable:
            LOG.info("volume %s was creating when the volume service stopped: creating it "
                     "again", volume_id)
            self._submit(volume_id, partial(self.work.create, volume_id),
                         f"volume {volume_id}")
            return True
        if may_fail and self.work.finish(volume_id, states.CREATING, states.ERROR,
                                         constants.CREATE_INTERRUPTED):
            LOG.info("volume %s was creating when the volume service stopped: set to error "
                     "(this backend cannot resume a create)", volume_id)
            return True
        return False

    # -- attachments and snapshots ------------------------------------------------------------
    def _attachments(self) -> int:
        with self.work.db.reader() as s:
            rows = [(a.id, a.volume_id, a.attach_status) for a in db_attachments.of_host(
                s, self.host, set(_ATTACHMENT_ROLLBACK))]
        acted = 0
        for attachment_id, volume_id, status in rows:
            back = _ATTACHMENT_ROLLBACK[status]
            if self.work.roll_back_attachment(attachment_id, status, back):
                acted += 1
                LOG.info("attachment %s of volume %s was %s when the volume service stopped: "
                         "back to %s", attachment_id, volume_id, status, back)
        return acted

    def _snapshots(self, changed_before: dt.datetime | None, may_fail: bool) -> int:
        with self.work.db.reader() as s:
            rows = [(snap.id, snap.status, volume_status) for snap, volume_status in
                    db_snapshots.of_host(s, self.host, {states.CREATING, states.DELETING,
                                                        states.RESTORING}, changed_before)]
        acted = 0
        for snapshot_id, status, volume_status in rows:
            if self._in_hand(snapshot_key(snapshot_id)):
                continue
            if status == states.RESTORING:
                # Its volume's revert was failed above (or finished): the snapshot is intact.
                if may_fail and volume_status != states.REVERTING and self.work.finish_snapshot(
                        snapshot_id, states.RESTORING, states.AVAILABLE):
                    acted += 1
                    LOG.info("snapshot %s was restoring when the volume service stopped: "
                             "available again", snapshot_id)
                continue
            if status == states.DELETING:
                if volume_status == states.DELETING:
                    continue    # the volume's own deletion takes it
                acted += 1
                LOG.info("snapshot %s was deleting when the volume service stopped: deleting "
                         "it", snapshot_id)
                self._submit(snapshot_key(snapshot_id),
                             partial(self.work.delete_snapshot, snapshot_id),
                             f"snapshot {snapshot_id}")
            elif self.work.driver.resumable:
                acted += 1
                LOG.info("snapshot %s was creating when the volume service stopped: taking it "
                         "again", snapshot_id)
                self._submit(snapshot_key(snapshot_id),
                             partial(self.work.create_snapshot, snapshot_id),
                             f"snapshot {snapshot_id}")
            elif may_fail and self.work.finish_snapshot(snapshot_id, states.CREATING,
                                                        states.ERROR,
                                                        constants.SNAPSHOT_INTERRUPTED):
                acted += 1
                LOG.info("snapshot %s was creating when the volume service stopped: set to "
                         "error (this backend cannot resume it)", snapshot_id)
        return acted
