"""The replicator and auditor of a replicated object driver, on a thread beside the API.

Each pass is bounded (``replicator_batch`` partitions, ``auditor_batch`` copies) and resumes
where the last one stopped; a pass that found work is followed by the next one soon, an idle
one waits ``interval`` seconds. The steps themselves live in the driver, which alone knows its
devices; several processes may run them side by side, since every step looks at the disk
before it changes it.
"""

from __future__ import annotations

import logging

from nimbus.core.periodic import Periodic
from nimbus.object.drivers.base import ObjectDriver

LOG = logging.getLogger(__name__)
# Between two passes while there is work left (a device just lost, copies quarantined).
BUSY_PAUSE = 1.0


class Durability(Periodic):
    thread_name = "object-replicator"

    def __init__(self, driver: ObjectDriver, interval: float = 30.0,
                 replicate_batch: int = 1024, audit_batch: int = 1000) -> None:
        super().__init__(interval, busy_pause=BUSY_PAUSE)
        self.driver = driver
        self.replicate_batch = replicate_batch
        self.audit_batch = audit_batch

    def run_pass(self) -> int:
        return self.run_once()

    def run_once(self) -> int:
        """One replicator pass then one auditor pass; how much either changed."""
        changed = self.guarded("replication pass",
                               lambda: self.driver.replicate_pass(self.replicate_batch))
        return changed + self.guarded("audit pass",
                                      lambda: self.driver.audit_pass(self.audit_batch))
