"""The replicator and auditor of a replicated object driver, on a thread beside the API.

Each pass is bounded (``replicator_batch`` partitions, ``auditor_batch`` copies) and resumes
where the last one stopped; a pass that found work is followed by the next one soon, an idle
one waits ``interval`` seconds. The steps themselves live in the driver, which alone knows its
devices; several processes may run them side by side, since every step looks at the disk
before it changes it.
"""

from __future__ import annotations

import logging
import time

from nimbus.core.periodic import Periodic
from nimbus.object.drivers.base import ObjectDriver

LOG = logging.getLogger(__name__)
# Between two passes while there is work left (a device just lost, copies quarantined).
BUSY_PAUSE = 1.0
# Seconds between two sweeps of unfinished writes, and the age past which a leftover is one
# (younger, it may be a write still in progress).
SWEEP_EVERY = 600.0
STALE_AFTER = 300.0


class Durability(Periodic):
    thread_name = "object-replicator"

    def __init__(self, driver: ObjectDriver, interval: float = 30.0,
                 replicate_batch: int = 1024, audit_batch: int = 1000) -> None:
        super().__init__(interval, busy_pause=BUSY_PAUSE)
        self.driver = driver
        self.replicate_batch = replicate_batch
        self.audit_batch = audit_batch
        self._next_sweep = 0.0

    def run_pass(self) -> int:
        return self.run_once()

    def run_once(self) -> int:
        """One replicator pass then one auditor pass; how much either changed. Now and then,
        what unfinished writes left in the devices' ``tmp/`` goes too (on a storage node, no
        expirer does it)."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY
            self.guarded("sweep of unfinished writes",
                         lambda: self.driver.discard_partial(time.time() - STALE_AFTER))
        changed = self.guarded("replication pass",
                               lambda: self.driver.replicate_pass(self.replicate_batch))
        return changed + self.guarded("audit pass",
                                      lambda: self.driver.audit_pass(self.audit_batch))
