"""The object expirer: objects past their X-Delete-At leave the store and the index, not only
the listings, as Swift's ``object-expirer`` removes them.

One thread (``core.periodic``) runs a pass at start and then every ``interval`` seconds, each removing at most
``batch`` objects (the longest expired first; a full batch is followed by the next pass at
once). It also sweeps what unfinished writes left behind (a PUT cut off by a crash: its temporary
file, or bytes the index never came to name): at start, once more when what the crash itself
left is old enough to be told apart from a write still in progress, then every
``audit_interval`` seconds. Every step re-reads the row it changes, so several processes may run
it side by side and a request racing it wins.
"""

from __future__ import annotations

import logging
import time

from nimbus.core.periodic import Periodic
from nimbus.object.manager import expiry
from nimbus.object.manager.objects import ObjectManager

LOG = logging.getLogger(__name__)
# Leftovers younger than this may still belong to a write in progress (a body is cut off after
# a minute without bytes; its version is indexed as soon as it is stored).
STALE_AFTER = 300.0
# Between two passes when the last one was cut short by its batch.
BACKLOG_PAUSE = 1.0


class Expirer(Periodic):
    thread_name = "object-expirer"

    def __init__(self, objects: ObjectManager, interval: float = 60.0, batch: int = 1000,
                 audit_interval: float = 3600.0) -> None:
        super().__init__(interval, busy_pause=BACKLOG_PAUSE)
        self.objects = objects
        self.batch = batch
        self.audit_interval = audit_interval
        # The first audit finds what earlier runs left; the second, what a crash just before
        # this start left, once it is old enough.
        self._next_audit, self._audit_gap = time.monotonic(), STALE_AFTER

    # -- one pass ------------------------------------------------------------------------

    def expire(self, now: float | None = None) -> int:
        """Remove up to ``batch`` expired objects; how many were removed."""
        at = expiry.now() if now is None else now
        removed = 0
        for version in self.objects.expired(at, self.batch):
            if self._stop.is_set():
                break
            if self.objects.remove_expired(version, at):
                removed += 1
                LOG.info("object /%s/%s/%s expired at %s: removed from the store and the index",
                         version.account, version.container, version.name, version.delete_at)
        return removed

    def audit(self, now: float | None = None) -> int:
        """Remove the leftovers of unfinished writes older than ``STALE_AFTER``."""
        before = (time.time() if now is None else now) - STALE_AFTER
        removed = self.objects.driver.discard_partial(before)
        if removed:
            LOG.info("removed %d temporary file(s) of object writes that never finished",
                     removed)
        for version in self.objects.unindexed(before):
            if self._stop.is_set():
                break
            self.objects.drop_version(version)
            removed += 1
            LOG.info("object /%s/%s/%s version %s is named by no index entry (a write that "
                     "never finished, or a removal cut short): its bytes removed",
                     version.account, version.container, version.name, version.data_ts)
        return removed

    # -- the thread ----------------------------------------------------------------------

    def run_pass(self) -> int:
        """The audit when it is due, then an expiry pass; work is "done" (the next pass comes
        soon) only when the batch was full."""
        if time.monotonic() >= self._next_audit:
            self.guarded("audit", self.audit)
            self._next_audit = time.monotonic() + self._audit_gap
            self._audit_gap = self.audit_interval
        return int(self.guarded("expiry pass", self.expire) >= self.batch)

    def pause(self, done: int) -> float:
        return max(0.0, min(super().pause(done), self._next_audit - time.monotonic()))
