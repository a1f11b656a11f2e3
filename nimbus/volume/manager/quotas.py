"""Per-project limits on volumes, snapshots and gigabytes, with Cinder's defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume.constants import QUOTA_DEFAULTS
from nimbus.volume.db import quotas as db_quotas
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.errors import InvalidInput, VolumeLimitExceeded, VolumeSizeExceedsQuota


class QuotaManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    def limits(self, s: Session, project_id: str) -> dict[str, int]:
        return {**QUOTA_DEFAULTS, **db_quotas.overrides(s, project_id)}

    def get(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as s:
            return self.limits(s, project_id)

    def usage(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as s:
            return self._usage(s, project_id)

    def _usage(self, s: Session, project_id: str) -> dict[str, int]:
        count, gigs = db_volumes.totals(s, project_id)
        snaps, snap_gigs = db_snapshots.totals(s, project_id)
        return {"volumes": count, "snapshots": snaps, "gigabytes": gigs + snap_gigs,
                "backups": 0, "backup_gigabytes": 0, "groups": 0, "per_volume_gigabytes": 0}

    def check(self, s: Session, project_id: str, volumes: int = 0, snapshots: int = 0,
              gigabytes: int = 0) -> None:
        """Raise a 413 when adding these to the project's usage would pass a limit.

        Runs inside the caller's write transaction, so the usage it sums is the one the new
        row joins."""
        limits = self.limits(s, project_id)
        used = self._usage(s, project_id)
        per_volume = limits["per_volume_gigabytes"]
        if volumes and per_volume >= 0 and gigabytes > per_volume:
            raise InvalidInput(reason=f"Volume size '{gigabytes}' must be an integer and greater "
                                      f"than 0 and at most the per volume limit {per_volume}.")
        if volumes and 0 <= limits["volumes"] < used["volumes"] + volumes:
            raise VolumeLimitExceeded(limit=limits["volumes"])
        if snapshots and 0 <= limits["snapshots"] < used["snapshots"] + snapshots:
            raise VolumeLimitExceeded(
                f"SnapshotLimitExceeded: Maximum number of snapshots allowed "
                f"({limits['snapshots']}) exceeded", limit=limits["snapshots"])
        if gigabytes and 0 <= limits["gigabytes"] < used["gigabytes"] + gigabytes:
            raise VolumeSizeExceedsQuota(requested=gigabytes, limit=limits["gigabytes"],
                                         consumed=used["gigabytes"])

    @retry_on_lock()
    def update(self, project_id: str, values: dict[str, Any],
               validate: bool = False) -> dict[str, int]:
        """Set the project's limits; with ``validate``, a limit below what it already uses is
        refused, as Cinder does when told not to skip validation."""
        with self.db.writer() as s:
            if validate:
                used = self._usage(s, project_id)
                for resource, limit in values.items():
                    if resource != "per_volume_gigabytes" and 0 <= limit < used.get(resource, 0):
                        raise InvalidInput(reason=f"Quota {resource} limit must be equal or "
                                                  f"greater than existing resources. Current "
                                                  f"usage is {used[resource]} and the requested "
                                                  f"limit is {limit}.")
            for resource, limit in values.items():
                db_quotas.set_limit(s, project_id, resource, limit)
            return self.limits(s, project_id)

    @retry_on_lock()
    def reset(self, project_id: str) -> None:
        with self.db.writer() as s:
            db_quotas.reset(s, project_id)
